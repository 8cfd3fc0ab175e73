"""Word lists and code tables the generator draws from: regions with their real administrative
division codes (GB/T 2260) and telephone area codes, industries with their name words and
risk shifts, Chinese surnames and given-name characters, brand syllables, street names and the
default lenders. Nothing here is random; the generator samples from it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BRAND_CHARS",
    "City",
    "CITIES",
    "DEFAULT_LENDERS",
    "DEFAULT_LENDER_WEIGHTS",
    "GUARANTOR",
    "HOLDING",
    "FEMALE_GIVEN",
    "Industry",
    "INDUSTRIES",
    "MALE_GIVEN",
    "MIGRANT_AREA_CODES",
    "PROVINCE_ABBR",
    "ROADS",
    "SURNAMES",
    "SURNAME_WEIGHTS",
]


@dataclass(frozen=True)
class City:
    province: str  # 浙江省
    name: str  # 杭州市
    short: str  # 杭州 (used in enterprise names)
    phone_area: str  # 0571
    districts: tuple[tuple[str, str], ...]  # (GB/T 2260 county-level code, name)
    weight: float  # share of enterprises registered here

    @property
    def region(self) -> str:
        """The ``region`` column: province and city (``上海市`` for a municipality)."""
        return self.name if self.province == self.name else self.province + self.name


CITIES: tuple[City, ...] = (
    City("浙江省", "杭州市", "杭州", "0571", (("330102", "上城区"), ("330105", "拱墅区"),
         ("330106", "西湖区"), ("330108", "滨江区"), ("330109", "萧山区"),
         ("330110", "余杭区")), 9),
    City("浙江省", "宁波市", "宁波", "0574", (("330203", "海曙区"), ("330206", "北仑区"),
         ("330211", "镇海区"), ("330212", "鄞州区")), 7),
    City("浙江省", "温州市", "温州", "0577", (("330302", "鹿城区"), ("330303", "龙湾区"),
         ("330381", "瑞安市"), ("330382", "乐清市")), 5),
    City("浙江省", "嘉兴市", "嘉兴", "0573", (("330402", "南湖区"), ("330481", "海宁市"),
         ("330482", "平湖市"), ("330483", "桐乡市")), 3),
    City("浙江省", "湖州市", "湖州", "0572", (("330502", "吴兴区"), ("330521", "德清县"),
         ("330522", "长兴县")), 2),
    City("浙江省", "绍兴市", "绍兴", "0575", (("330602", "越城区"), ("330603", "柯桥区"),
         ("330604", "上虞区"), ("330681", "诸暨市")), 4),
    City("浙江省", "金华市", "金华", "0579", (("330702", "婺城区"), ("330782", "义乌市"),
         ("330783", "东阳市"), ("330784", "永康市")), 4),
    City("浙江省", "台州市", "台州", "0576", (("331002", "椒江区"), ("331003", "黄岩区"),
         ("331004", "路桥区"), ("331081", "温岭市")), 4),
    City("江苏省", "南京市", "南京", "025", (("320102", "玄武区"), ("320105", "建邺区"),
         ("320106", "鼓楼区"), ("320115", "江宁区")), 6),
    City("江苏省", "无锡市", "无锡", "0510", (("320205", "锡山区"), ("320206", "惠山区"),
         ("320213", "梁溪区"), ("320281", "江阴市"), ("320282", "宜兴市")), 5),
    City("江苏省", "常州市", "常州", "0519", (("320402", "天宁区"), ("320411", "新北区"),
         ("320412", "武进区")), 3),
    City("江苏省", "苏州市", "苏州", "0512", (("320505", "虎丘区"), ("320506", "吴中区"),
         ("320507", "相城区"), ("320581", "常熟市"), ("320582", "张家港市"),
         ("320583", "昆山市")), 8),
    City("江苏省", "南通市", "南通", "0513", (("320612", "通州区"), ("320681", "启东市"),
         ("320682", "如皋市")), 3),
    City("山东省", "济南市", "济南", "0531", (("370102", "历下区"), ("370103", "市中区"),
         ("370112", "历城区")), 4),
    City("山东省", "青岛市", "青岛", "0532", (("370202", "市南区"), ("370203", "市北区"),
         ("370213", "李沧区"), ("370214", "城阳区"), ("370281", "胶州市")), 5),
    City("山东省", "淄博市", "淄博", "0533", (("370302", "淄川区"), ("370303", "张店区")), 2),
    City("山东省", "烟台市", "烟台", "0535", (("370602", "芝罘区"), ("370613", "莱山区")), 2),
    City("山东省", "潍坊市", "潍坊", "0536", (("370702", "潍城区"), ("370705", "奎文区"),
         ("370781", "青州市"), ("370783", "寿光市")), 3),
    City("山东省", "临沂市", "临沂", "0539", (("371302", "兰山区"), ("371311", "罗庄区")), 2),
    City("上海市", "上海市", "上海", "021", (("310101", "黄浦区"), ("310104", "徐汇区"),
         ("310105", "长宁区"), ("310115", "浦东新区")), 8),
    City("福建省", "厦门市", "厦门", "0592", (("350203", "思明区"), ("350205", "海沧区"),
         ("350206", "湖里区")), 3),
    City("福建省", "泉州市", "泉州", "0595", (("350502", "鲤城区"), ("350581", "石狮市"),
         ("350582", "晋江市")), 3),
)

# Court abbreviations used in case numbers, e.g. (2025)浙0106民初1234号
PROVINCE_ABBR = {"浙江省": "浙", "江苏省": "苏", "山东省": "鲁", "上海市": "沪", "福建省": "闽"}

# Birthplaces of people who moved to the coast for work (county-level codes)
MIGRANT_AREA_CODES: tuple[str, ...] = (
    "340102", "340104", "341202", "410102", "411602", "360102", "420102", "430102", "510104",
    "500101", "450102", "362502",
)


@dataclass(frozen=True)
class Industry:
    code: str  # the ``industry`` column
    words: tuple[str, ...]  # name words, one is used in the enterprise name
    weight: float  # share among operating firms
    risk: float  # shift of the latent risk factor (sd units)
    leverage: float  # shift of the liabilities / assets ratio
    turnover: float  # log revenue / assets, centre
    scale: float  # log total assets shift


INDUSTRIES: tuple[Industry, ...] = (
    Industry("manufacturing",
             ("机械制造", "精密机械", "电器", "五金制品", "汽车零部件", "机电设备"),
             0.20, 0.0, 0.0, -0.1, 0.0),
    Industry("steel", ("钢铁", "特钢", "钢管", "金属制品", "不锈钢"), 0.06, 0.45, 0.05, 0.0, 0.6),
    Industry("real_estate", ("房地产开发", "置业", "地产"), 0.07, 0.55, 0.12, -1.3, 0.9),
    Industry("construction", ("建设工程", "建筑工程", "建工", "市政工程"),
             0.10, 0.35, 0.08, -0.4, 0.3),
    Industry("trade", ("贸易", "商贸", "进出口", "供应链管理"), 0.16, 0.15, 0.02, 0.6, -0.4),
    Industry("textiles", ("纺织", "印染", "服饰", "化纤"), 0.09, 0.25, 0.0, 0.0, -0.1),
    Industry("chemicals", ("化工", "新材料", "塑胶", "精细化工"), 0.07, 0.15, 0.0, -0.1, 0.3),
    Industry("agriculture", ("农业发展", "生态农业", "食品", "农副产品"),
             0.06, 0.1, -0.03, -0.2, -0.5),
    Industry("logistics", ("物流", "运输", "仓储物流", "国际货运"), 0.08, 0.05, 0.0, 0.1, -0.3),
    Industry("technology", ("科技", "信息技术", "电子科技", "智能科技", "软件"), 0.11, -0.3, -0.08,
             -0.2, -0.4),
)
# Group holding companies and professional guarantors are not drawn by weight.
HOLDING = Industry("investment", ("控股集团", "投资控股", "实业集团", "投资"),
                   0.0, 0.1, 0.0, -1.8, 0.9)
GUARANTOR = Industry("financing_guarantee", ("融资担保",), 0.0, 0.0, -0.2, -2.5, 1.2)

BRAND_CHARS = (
    "恒华鑫隆盛达通泰源汇金宏兴瑞昌永新信德丰利凯天宇海博远正明诚嘉荣富美祥安康福顺"
    "腾飞龙润和中东亚联众创优佳卓耀晟锦弘裕泽辉旭豪铭峰"
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方"
)
# Rough frequency in the population (王 and 李 about 7% each, a long tail after)
SURNAME_WEIGHTS = tuple(
    [7.1, 7.0, 6.7, 5.4, 4.6, 3.1, 2.2, 2.1, 2.0, 1.9, 1.8, 1.5, 1.4, 1.3, 1.3, 1.1, 1.1, 1.1, 1.1,
     0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6, 0.5]
    + [0.5] * 10 + [0.4] * 10 + [0.35] * 10 + [0.3] * 6
)
MALE_GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩建国志海文俊峰林东亮德新晨阳成良"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞燕玲婷雪慧洁红梅琳颖秀英桂兰萍莉倩雯佳月琴璐丹晓欣怡"

ROADS = (
    "人民路", "解放路", "中山路", "建设路", "文化路", "新华路", "和平路", "长江路", "黄河路",
    "世纪大道", "滨江大道", "科技路", "工业大道", "创业路", "湖滨路", "学院路", "振兴路",
    "发展大道", "金融街", "开元路", "环城北路", "环城南路", "东方路", "迎宾大道", "富春路",
)

DEFAULT_LENDERS: tuple[str, ...] = (
    "中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "招商银行", "浙商银行",
    "江苏银行",
)
DEFAULT_LENDER_WEIGHTS: tuple[float, ...] = (0.19, 0.15, 0.13, 0.17, 0.09, 0.10, 0.09, 0.08)
