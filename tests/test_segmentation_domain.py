"""Segmentation quality on the shop's own language: realistic messages from a 母婴店 WeChat group
(customers, staff and the invited experts), each with the words that must come out whole.

A word "comes out whole" when it is one token of `segment.cut` — not split, not glued to a
neighbour — and, unless it is a stopword, one of `segment.terms`. Most cases pin only those words,
not the full cut, so jieba may still move the boundaries elsewhere in the sentence; a few short,
unambiguous sentences pin the exact cut, and some negative cases pin that a lexicon word does not
swallow, or get swallowed by, its neighbours.
"""

from __future__ import annotations

import re

import pytest

from dashboard.core.text import segment

# (sentence, words that must be whole tokens), grouped by the kind of message.
PRODUCTS = [
    ("这款纸尿裤好用吗", ("纸尿裤",)),
    ("尿不湿和拉拉裤有什么区别，晚上用哪个好", ("尿不湿", "拉拉裤")),
    ("宝宝八个月了，晚上穿拉拉裤总是侧漏", ("拉拉裤",)),
    ("L码的尿不湿还有现货吗", ("L码", "尿不湿", "现货")),
    ("拉拉裤和纸尿裤能混着用吗", ("拉拉裤", "纸尿裤")),
    ("奶粉二段和三段有什么区别", ("奶粉", "二段", "三段")),
    ("宝宝一岁了该换三段奶粉了吧", ("三段奶粉",)),
    ("我家现在吃二段，准备下个月转奶", ("二段", "转奶")),
    ("一段奶粉能吃到几个月", ("一段奶粉",)),
    ("奶粉段位怎么选，看月龄就行", ("奶粉段位", "月龄")),
    ("新国标的一段和老国标有区别吗", ("新国标", "一段")),
    ("吸奶器是电动的好还是手动的好", ("吸奶器",)),
    ("吸奶器配件可以单独买吗", ("吸奶器",)),
    ("奶瓶每天都要消毒吗", ("奶瓶",)),
    ("这个奶瓶奶嘴是几号的", ("奶瓶", "奶嘴")),
    ("奶瓶刷和奶瓶清洗剂一起拍有优惠", ("奶瓶刷", "奶瓶")),
]

PRICES = [
    ("双边吸奶器团购价多少", ("吸奶器", "团购")),
    ("纸尿裤团购今晚八点开团", ("纸尿裤", "团购", "开团")),
    ("纸尿裤整箱买更划算", ("纸尿裤", "整箱")),
    ("团购价比平时便宜二十块", ("团购",)),
    ("这次团购截止到周五晚上", ("团购",)),
    ("本周团购清单已发群公告，需要的接龙", ("团购", "群公告", "接龙")),
]

STOCK = [
    ("高铁米粉今天到货了吗", ("高铁米粉", "到货")),
    ("这款纸尿裤什么时候到货", ("纸尿裤", "到货")),
    ("到货了会在群里通知大家", ("到货",)),
    ("到货通知：三段奶粉已到店，可以来自提了", ("到货", "三段奶粉", "到店", "自提")),
    ("奶粉什么时候补货", ("奶粉", "补货")),
    ("缺货的那款下周补货", ("缺货", "补货")),
    ("二段还有货吗，想囤两罐", ("二段",)),
]

PARENTING = [
    ("宝宝脸上长湿疹了，用什么药膏好", ("湿疹",)),
    ("湿疹反反复复，是不是奶粉过敏", ("湿疹", "奶粉", "过敏")),
    ("湿疹宝宝洗澡水不要太热", ("湿疹",)),
    ("湿疹膏是激素的吗，能不能长期用", ("湿疹",)),
    ("六个月开始加辅食，第一口吃米粉还是蛋黄", ("辅食", "第一口", "米粉")),
    ("宝宝七个月，米粉一次冲多少", ("米粉",)),
    ("辅食里面可以放盐吗", ("辅食",)),
    ("吃完辅食宝宝老是打嗝", ("辅食",)),
    ("宝宝晚上总是夜醒，怎么才能睡整觉", ("夜醒", "睡整觉")),
    ("宝宝晚上睡眠不好，一晚上醒好几次", ("睡眠",)),
    ("哄睡太难了，每天都要抱着才能睡", ("哄睡",)),
    ("宝宝三天没拉了，是不是便秘", ("便秘",)),
    ("宝宝大便干结，一周才拉一次，是便秘吗", ("便秘",)),
    ("便秘的话多吃点火龙果和西梅泥", ("便秘", "西梅泥")),
    ("宝宝发烧到39度，手脚冰凉", ("发烧",)),
    ("发烧了先物理降温，超过38度5吃退烧药", ("发烧", "物理降温")),
    ("发烧反复三天了要不要查血常规", ("发烧",)),
    ("宝宝肠胀气老是哭闹", ("肠胀气",)),
    ("产后腹直肌分离能练瑜伽吗", ("腹直肌", "瑜伽")),
]

SIGNUPS = [
    ("亲子瑜伽下周三开课，报名请接龙", ("亲子瑜伽", "报名", "接龙")),
    ("接龙报名周六的亲子烘焙课", ("接龙", "报名", "亲子烘焙")),
    ("团购接龙：1. 张妈妈 2罐", ("团购", "接龙")),
    ("接龙格式：名字+数量+自提或送货", ("接龙", "自提")),
]

CHAT = [
    ("群主发红包了，快抢", ("群主", "发红包")),
    ("谢谢老板的红包", ("红包",)),
    ("抢到红包的宝妈记得晒一下", ("红包", "宝妈")),
    ("这是我家宝宝的百天照，好可爱", ("百天照",)),
    ("晒一下今天插花课的作品", ("插花课",)),
]

AFTER_SALES = [
    ("买错尺码可以退换吗", ("尺码", "退换")),
    ("没拆封的可以退换，拆了就不行了", ("退换",)),
    ("退换请保留外包装和小票", ("退换",)),
    ("这个退换货流程是怎样的", ("退换货",)),
    ("快递送错了，能换货吗", ("换货",)),
    ("刚收到货，包装破了，怎么售后", ("收到货", "售后")),
]

FLOWERS = [
    ("插花之前要先把花泥泡透", ("插花", "花泥")),
    ("今天的花材是玫瑰和洋桔梗", ("花材", "洋桔梗")),
    ("花材到了先醒花两个小时再插", ("花材", "醒花")),
    ("花材需要提前醒花，不然容易蔫", ("花材", "醒花")),
    ("插花的时候花材剪斜口", ("插花", "花材")),
    ("剑山比花泥环保，可以反复用", ("剑山", "花泥")),
    ("浅口的花器配剑山最好插", ("花器", "剑山")),
]

# 裱花袋, 裱花嘴 and 奶油霜 are left to jieba (裱花/袋, 奶油/霜) on purpose: topics.toml matches on 裱花 and
# 奶油, and a lexicon entry for the compound would hide them from the baking topic.
BAKING = [
    ("淡奶油和植物奶油哪个好打发", ("淡奶油", "奶油")),
    ("戚风蛋糕胚放凉了再抹奶油", ("戚风", "蛋糕胚", "奶油")),
    ("蛋糕胚烤好倒扣放凉", ("蛋糕胚",)),
    ("奶油打发到有纹路就可以裱花了", ("奶油", "裱花")),
    ("裱花袋和裱花嘴都在材料包里", ("裱花",)),
    ("动物奶油裱花不太好定型", ("奶油", "裱花")),
    ("奶油霜抹面比淡奶油稳定", ("奶油", "抹面", "淡奶油")),
    ("蛋糕胚抹面之前先冷藏半小时", ("蛋糕胚", "抹面")),
]

YOGA = [
    ("这个体式对核心力量要求比较高", ("体式", "核心")),
    ("产后练瑜伽先从核心开始", ("核心",)),
    ("这个体式孕妈不要做", ("体式", "孕妈")),
    ("亲子瑜伽课要带瑜伽垫吗", ("亲子瑜伽", "瑜伽垫")),
    ("亲子瑜伽适合几个月的宝宝", ("亲子瑜伽",)),
    ("猫式和下犬式可以缓解腰酸", ("猫式", "下犬式")),
]

PAINTING = [
    ("水彩课需要自己带蜡笔吗", ("水彩", "蜡笔")),
    ("水彩笔和蜡笔哪个适合两岁宝宝", ("蜡笔",)),
    ("油画棒比蜡笔更容易上色", ("油画棒", "蜡笔")),
]

GROUPS = {
    "product": PRODUCTS, "price": PRICES, "stock": STOCK, "parenting": PARENTING, "signup": SIGNUPS,
    "chat": CHAT, "after-sales": AFTER_SALES, "flowers": FLOWERS, "baking": BAKING, "yoga": YOGA,
    "painting": PAINTING,
}
CASES = [pytest.param(s, words, id=f"{group}-{i:02d}") for group, rows in GROUPS.items()
         for i, (s, words) in enumerate(rows, 1)]

# The words the set is meant to cover, each in at least one sentence.
REQUIRED = [
    "纸尿裤", "尿不湿", "拉拉裤", "辅食", "米粉", "湿疹", "奶粉", "一段", "二段", "三段", "吸奶器", "奶瓶",
    "插花", "花材", "醒花", "裱花", "奶油", "体式", "核心", "亲子瑜伽", "接龙", "团购", "到货", "补货", "退换", "红包",
]


@pytest.mark.slow
def test_the_set_is_large_and_covers_the_required_words() -> None:
    assert len(CASES) >= 60
    assert len({p.values[0] for p in CASES}) == len(CASES), "a sentence is listed twice"
    expected = {w for p in CASES for w in p.values[1]}
    assert [w for w in REQUIRED if w not in expected] == []


@pytest.mark.parametrize(("sentence", "words"), CASES)
def test_lexicon_words_are_whole_tokens(sentence: str, words: tuple[str, ...]) -> None:
    tokens = segment.cut(sentence)
    assert "".join(tokens) == sentence
    assert [w for w in words if w not in tokens] == [], tokens


@pytest.mark.parametrize(("sentence", "words"), CASES)
def test_lexicon_words_are_terms(sentence: str, words: tuple[str, ...]) -> None:
    stop = segment.stopwords()
    terms = segment.terms(sentence)
    # terms() lowercases all-ASCII tokens only, so "L码" stays as it is
    wanted = [w.lower() if w.isascii() else w for w in words if w not in stop]
    assert [w for w in wanted if w not in terms] == [], terms


def _ids(prefix: str, rows: list) -> list[str]:
    return [f"{prefix}-{i:02d}" for i in range(1, len(rows) + 1)]


def _spans(tokens: list[str]) -> set[int]:
    """Token boundaries as character offsets."""
    edges, at = {0}, 0
    for t in tokens:
        at += len(t)
        edges.add(at)
    return edges


# (sentence, lexicon word whose every occurrence must start and end on a token boundary,
#  tokens that must not appear: the word glued to, or carved out with, a neighbour)
NOT_GLUED = [
    ("这款纸尿裤好用吗", "纸尿裤", ("这款纸", "款纸", "纸尿", "尿裤", "裤好", "纸尿裤好")),
    ("今天的花材是玫瑰和洋桔梗", "洋桔梗", ("和洋", "桔梗", "是玫瑰和")),
    ("花材到了先醒花两个小时再插", "醒花", ("先醒", "先醒花", "花两个")),
    ("插花之前要先把花泥泡透", "花泥", ("把花", "泥泡", "泥泡透")),
    ("戚风蛋糕胚放凉了再抹奶油", "蛋糕胚", ("蛋糕", "胚放凉", "胚放")),
    ("六个月开始加辅食，第一口吃米粉还是蛋黄", "米粉", ("口吃", "吃米粉")),
    ("拉拉裤XL码还有吗", "拉拉裤", ("拉拉", "裤XL码")),
    ("这个奶瓶奶嘴是几号的", "奶瓶", ("个奶瓶", "瓶奶", "奶瓶奶嘴")),
    ("宝宝一岁了该换三段奶粉了吧", "三段奶粉", ("换三段", "粉了")),
]


@pytest.mark.parametrize(("sentence", "word", "forbidden"), NOT_GLUED, ids=_ids("glued", NOT_GLUED))
def test_lexicon_word_is_not_glued_to_neighbours(sentence: str, word: str, forbidden: tuple[str, ...]) -> None:
    tokens = segment.cut(sentence)
    edges = _spans(tokens)
    starts = [m.start() for m in re.finditer(re.escape(word), sentence)]
    assert starts
    assert [s for s in starts if s not in edges or s + len(word) not in edges] == [], tokens
    assert [t for t in tokens if t in forbidden] == [], tokens


# Words that must NOT come out: a lexicon word carved out of a longer expression that means
# something else.
NOT_CARVED = [
    ("刚收到货，包装破了", "到货"),  # a customer received a parcel; no stock arrived
    ("收到货后请检查外包装", "到货"),
    ("过一段时间再加辅食", "一段"),  # a while, not stage-1 formula
    ("这一段时间宝宝总是夜醒", "一段"),
]


@pytest.mark.parametrize(("sentence", "word"), NOT_CARVED, ids=_ids("carved", NOT_CARVED))
def test_lexicon_word_is_not_carved_out_of_another_expression(sentence: str, word: str) -> None:
    tokens = segment.cut(sentence)
    assert word not in tokens, tokens
    assert word not in segment.terms(sentence)


EXACT = [
    ("这款纸尿裤好用吗", ["这", "款", "纸尿裤", "好用", "吗"]),
    ("奶粉什么时候补货", ["奶粉", "什么", "时候", "补货"]),
    ("奶粉二段和三段有什么区别", ["奶粉", "二段", "和", "三段", "有", "什么", "区别"]),
    ("花泥要泡水", ["花泥", "要", "泡水"]),
    ("群主发红包了", ["群主", "发红包", "了"]),  # 发红包 is its own lexicon entry: 红包 is not split off
]


@pytest.mark.parametrize(("sentence", "cut"), EXACT, ids=_ids("exact", EXACT))
def test_short_sentences_cut_exactly(sentence: str, cut: list[str]) -> None:
    assert segment.cut(sentence) == cut


_ENTRY = re.compile(r"(?P<word>\S+)(?:\s+(?P<freq>\d+)(?:\s+(?P<tag>[a-z]{1,3}))?)?")


def test_every_lexicon_line_is_one_valid_entry() -> None:
    """word, then an optional integer frequency, then an optional POS tag (only after a frequency:
    segment.py reads the tag from the third field); `#` lines are comments."""
    bad, seen, dupes = [], set(), []
    for n, raw in enumerate(segment.SHOP_WORDS.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _ENTRY.fullmatch(line)
        if not m or "#" in line or not re.search(r"\w", m["word"]) or (m["freq"] and int(m["freq"]) <= 0):
            bad.append((n, raw))
            continue
        if m["word"] in seen:
            dupes.append((n, m["word"]))
        seen.add(m["word"])
    assert bad == []
    assert dupes == []
    assert len(seen) > 300
