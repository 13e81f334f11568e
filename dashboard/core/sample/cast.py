"""The people of one shop's story: the owner, her staff and experts, her alt accounts, customers
and a couple of advertisers, each with the traits the story draws on (talkativeness, whether they
lurk, their store-customer record and how often they visit)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CHILD_NAMES = (
    "朵朵", "豆豆", "乐乐", "糖果", "果果", "妞妞", "天天", "小鱼", "安安", "可可", "宝儿", "悠悠",
    "米粒", "橙子", "葡萄", "小满", "小米", "皮皮", "团团", "圆圆", "诺诺", "一一", "多多", "甜甜",
    "嘟嘟", "睿睿", "航航", "轩轩", "萱萱", "琪琪", "桐桐", "然然", "哲哲", "汤圆", "花卷", "饺子",
    "栗子", "芒果", "小暖", "星星", "月月", "阳阳", "晨晨", "欢欢", "壮壮", "牛牛", "虎子", "贝贝",
    "晶晶", "沫沫", "依依", "布丁", "奶糖", "丸子", "小宝", "大宝", "二宝", "叮当", "跳跳", "球球",
    "毛毛", "点点", "苗苗", "朵拉", "暖暖", "桃子", "橘子", "豌豆", "土豆", "木木", "西西", "北北",
    "南南", "乐天", "嘉嘉", "泡泡", "蛋蛋", "koko", "小熊", "小虎", "安琪", "佑佑", "希希", "初一",
    "十一", "小麦", "小雪", "元宝", "小米粥", "樱桃", "柚子", "可乐", "雪碧", "奇奇", "妙妙",
)
MOTHER = ("妈", "妈妈", "麻麻", "妈咪", "妈")
OTHER_KIN = ("爸", "爸爸", "奶奶", "外婆", "姥姥")
LATIN = ("Amy", "Cindy", "Vivian", "Lily", "Coco", "Grace", "Yoyo", "Emma", "Sunny", "Jenny", "Wendy", "Kiki")
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(eq=False)
class Person:
    pid: int
    wxid: str
    name: str  # group nickname, the same in every group
    role: str  # owner | staff | expert | alt | customer | advertiser
    domain: str | None = None
    weight: float = 1.0  # how much they talk, relative to others
    lurker: bool = False
    customer_id: str | None = None
    phone4: str | None = None
    visit_rate: float = 0.0  # store visits per week, before any event effect
    home_store: int = 0  # 0 = main store, 1 = branch
    declared: bool = False  # listed in the owner's members.csv
    kin: str = "mother"

    @property
    def organic(self) -> bool:
        return self.role in ("customer", "expert", "advertiser")


@dataclass
class Cast:
    owner: Person
    staff: list[Person]
    teacher: Person
    florist: Person
    yoga: Person
    alts: list[Person]
    customers: list[Person]
    advertisers: list[Person]
    walk_in_customers: list[Person] = field(default_factory=list)  # store customers in no group

    @property
    def everyone(self) -> list[Person]:
        return [self.owner, *self.staff, self.teacher, self.florist, self.yoga, *self.alts,
                *self.customers, *self.advertisers]


def wxid(rng: random.Random) -> str:
    return "wxid_" + "".join(rng.choice(ALNUM) for _ in range(14))


def _customer_names(rng: random.Random, n: int, taken: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    while len(out) < n:
        roll = rng.random()
        child = rng.choice(CHILD_NAMES)
        if roll < 0.08:
            name, kin = rng.choice(LATIN) + rng.choice(("", "", "🌸", "_" + child)), "mother"
        elif roll < 0.16:
            name, kin = child + rng.choice(OTHER_KIN), "family"
        else:
            name, kin = child + rng.choice(MOTHER), "mother"
        if name not in taken:
            taken.add(name)
            out.append((name, kin))
    return out


def build_cast(rng: random.Random, n_customers: int, n_walk_ins: int, id_prefix: str = "") -> Cast:
    pid = iter(range(1_000_000))
    taken: set[str] = set()

    def person(name: str, role: str, **kw) -> Person:
        taken.add(name)
        return Person(next(pid), wxid(rng), name, role, **kw)

    owner = person("小雨点雨姐", "owner", weight=3.0)
    staff = [person("店员小美", "staff", weight=2.0), person("店员阿婷", "staff", weight=1.5)]
    teacher = person("育儿师周老师", "expert", domain="育儿", weight=1.2)
    florist = person("花艺师林老师", "expert", domain="花艺", weight=0.5)
    yoga = person("瑜伽老师Annie", "expert", domain="瑜伽", weight=0.5)
    alts = [person("糖糖妈咪", "alt", weight=0.0), person("开心果", "alt", weight=0.0)]
    customers = []
    n_customer = 0
    for name, kin in _customer_names(rng, n_customers, taken):
        lurker = rng.random() < 0.42
        # talkativeness is heavy-tailed: a few members carry most of the talk
        weight = 0.0 if lurker else rng.paretovariate(1.6)
        # engaged members visit the store more often: the selection the event analysis must undo
        rate = max(0.05, rng.gammavariate(1.5, 0.25) * (1.0 + 0.35 * min(weight, 4.0)))
        c = person(name, "customer", weight=weight, lurker=lurker, kin=kin, visit_rate=rate,
                   home_store=1 if rng.random() < 0.2 else 0)
        if rng.random() < 0.7:
            n_customer += 1
            c.customer_id = f"{id_prefix}V{n_customer:05d}"
            c.phone4 = f"{rng.randrange(10000):04d}"
        customers.append(c)
    advertisers = [person("优选好物代购", "advertiser", weight=0.0), person("宝妈副业小助手", "advertiser", weight=0.0)]
    walk_ins = []
    for name, kin in _customer_names(rng, n_walk_ins, taken):
        n_customer += 1
        walk_ins.append(Person(next(pid), "", name, "customer", kin=kin, customer_id=f"{id_prefix}V{n_customer:05d}",
                               phone4=f"{rng.randrange(10000):04d}", visit_rate=rng.gammavariate(1.5, 0.2),
                               home_store=1 if rng.random() < 0.25 else 0))
    return Cast(owner, staff, teacher, florist, yoga, alts, customers, advertisers, walk_ins)
