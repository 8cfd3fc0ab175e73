"""Contact points: the ``contacts`` table.

Every firm has a registered address and a landline, most an email; legal representatives and
controllers have mobiles, and some controllers a home address that the spouse shares. Sharing is
what makes contacts evidence: a group's subsidiaries are often registered at the top firm's
address and give its phone; a firm may give its legal representative's mobile (so firms with the
same representative share it); a few unrelated firms share a cluster registration address
(集中注册地) or a bookkeeping agent's phone (代理记账).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.generator._config import GeneratorConfig
from ingest.generator._firms import Firms
from ingest.generator._identities import unique_ints
from ingest.generator._people import Roles
from ingest.generator._vocab import CITIES, ROADS

__all__ = ["build_contacts"]

_DISTRICT_NAME = {code: name for c in CITIES for code, name in c.districts}
_MAIL_DOMAINS = np.array(["163.com", "126.com", "qq.com", "sina.com", "aliyun.com"])
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _addresses(rng: np.random.Generator, district: np.ndarray, city: np.ndarray) -> np.ndarray:
    k = len(district)
    code = unique_ints(rng, len(ROADS) * 2000 * 40, k)
    road, rest = np.divmod(code, 2000 * 40)
    number, floor_ = np.divmod(rest, 40)
    room = floor_ * 100 + rng.integers(1, 20, k)
    place = [CITIES[c].region + _DISTRICT_NAME[d]
             for c, d in zip(city.tolist(), district.tolist(), strict=True)]
    return np.array([f"{p}{ROADS[r]}{num + 1}号{rm + 101}室" for p, r, num, rm in
                     zip(place, road.tolist(), number.tolist(), room.tolist(), strict=True)],
                    dtype=object)


def _landlines(rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    number = 20_000_000 + unique_ints(rng, 70_000_000, len(city))
    return np.array([f"{CITIES[c].phone_area}-{x}"
                     for c, x in zip(city.tolist(), number.tolist(), strict=True)], dtype=object)


def _mobiles(rng: np.random.Generator, k: int) -> np.ndarray:
    prefix = np.array([133, 135, 136, 138, 139, 150, 151, 158, 159, 177, 180, 186, 188, 189])
    tail = unique_ints(rng, 10**8, k)  # distinct tails: distinct numbers whatever the prefix
    number = prefix[rng.integers(0, len(prefix), k)].astype(np.int64) * 10**8 + tail
    return number.astype(str).astype(object)


def _emails(rng: np.random.Generator, k: int) -> np.ndarray:
    code = unique_ints(rng, 26**6 * 100, k)
    letters, digits = np.divmod(code, 100)
    chars = np.empty((k, 6), dtype="<U1")
    for i in range(6):
        letters, r = np.divmod(letters, 26)
        chars[:, i] = _LETTERS[r]
    domain = _MAIL_DOMAINS[rng.integers(0, len(_MAIL_DOMAINS), k)]
    return np.array([f"{''.join(c)}{d:02d}@{m}" for c, d, m in
                     zip(chars.tolist(), digits.tolist(), domain.tolist(), strict=True)],
                    dtype=object)


def build_contacts(rng: np.random.Generator, cfg: GeneratorConfig, f: Firms, roles: Roles,
                   n_persons: int) -> pd.DataFrame:
    """Columns: ``owner`` (index), ``owner_person`` (bool), ``kind``, ``value``."""
    n = f.n
    firm = np.arange(n)
    address = _addresses(rng, f.district, f.city)
    phone = _landlines(rng, f.city)
    has_mail = rng.random(n) < 0.6
    email = np.full(n, None, dtype=object)
    email[has_mail] = _emails(rng, int(has_mail.sum()))

    sub = np.flatnonzero(f.rank > 0)
    top = f.group_top[f.group[sub]]
    same_addr = rng.random(len(sub)) < cfg.group_shared_address_share
    address[sub[same_addr]] = address[top[same_addr]]
    same_phone = rng.random(len(sub)) < cfg.group_shared_phone_share
    phone[sub[same_phone]] = phone[top[same_phone]]
    same_mail = (rng.random(len(sub)) < 0.1) & has_mail[top]
    email[sub[same_mail]] = email[top[same_mail]]
    has_mail[sub[same_mail]] = True

    # unrelated firms at one registration address, or with one bookkeeping agent's phone
    alone = np.flatnonzero(f.group < 0)
    per = n / 1000
    n_ac = int(round(cfg.address_clusters_per_1000 * per))
    sizes = rng.integers(3, 11, n_ac)
    extra_phone_firm: list[np.ndarray] = []
    extra_phone_value: list[np.ndarray] = []
    if n_ac and sizes.sum() <= len(alone):
        members = rng.choice(alone, size=int(sizes.sum()), replace=False)
        cluster = np.repeat(np.arange(n_ac), sizes)
        head = members[np.concatenate([[0], np.cumsum(sizes)[:-1]])]
        address[members] = address[head[cluster]]
    n_pc = int(round(cfg.phone_clusters_per_1000 * per))
    sizes = rng.integers(2, 6, n_pc)
    if n_pc and sizes.sum() <= len(alone):
        members = rng.choice(alone, size=int(sizes.sum()), replace=False)
        agent = _landlines(rng, f.city[members[np.concatenate([[0], np.cumsum(sizes)[:-1]])]])
        extra_phone_firm.append(members)
        extra_phone_value.append(np.repeat(agent, sizes))

    # people: mobiles for legal representatives and controllers, a home for some controllers
    key_people = np.unique(np.concatenate([roles.legal_rep, roles.controller]))
    with_mobile = key_people[rng.random(len(key_people)) < 0.6]
    mobile = np.full(n_persons, None, dtype=object)
    mobile[with_mobile] = _mobiles(rng, len(with_mobile))
    rep_mobile = mobile[roles.legal_rep]
    gives_rep = (rep_mobile != None) & (rng.random(n) < 0.25)  # noqa: E711 (object array)
    extra_phone_firm.append(firm[gives_rep])
    extra_phone_value.append(rep_mobile[gives_rep])

    ctrl = np.unique(roles.controller)
    home_owner = ctrl[rng.random(len(ctrl)) < 0.4]
    _, first_firm = np.unique(roles.controller, return_index=True)  # aligned with ctrl
    home_firm = first_firm[np.searchsorted(ctrl, home_owner)]
    home = _addresses(rng, f.district[home_firm], f.city[home_firm])
    home = np.array([h.replace("号", "弄", 1) for h in home.tolist()], dtype=object)
    spouse = roles.spouse[home_firm]
    shared_home = spouse >= 0

    parts = [
        pd.DataFrame({"owner": firm, "owner_person": False, "kind": "address", "value": address}),
        pd.DataFrame({"owner": firm, "owner_person": False, "kind": "phone", "value": phone}),
        pd.DataFrame({"owner": firm[has_mail], "owner_person": False, "kind": "email",
                      "value": email[has_mail]}),
        pd.DataFrame({"owner": np.concatenate(extra_phone_firm), "owner_person": False,
                      "kind": "phone", "value": np.concatenate(extra_phone_value)}),
        pd.DataFrame({"owner": with_mobile, "owner_person": True, "kind": "phone",
                      "value": mobile[with_mobile]}),
        pd.DataFrame({"owner": home_owner, "owner_person": True, "kind": "address",
                      "value": home}),
        pd.DataFrame({"owner": spouse[shared_home], "owner_person": True, "kind": "address",
                      "value": home[shared_home]}),
    ]
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates(["owner", "owner_person", "kind", "value"]).reset_index(drop=True)
