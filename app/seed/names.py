"""The name corpora of the synthetic data (places, people, picture books, activities) and
the seeded helpers that draw names from them. Every draw takes the caller's `random.Random`,
so the same seed gives the same names."""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DONGCHENG_STREETS = _words(
    "东华门 景山 交道口 安定门 北新桥 东四 朝阳门 建国门 东直门 和平里 前门 崇文门外 东花市 龙潭 体育馆路 天坛 永定门外"
)
DISTRICTS = _words(
    "东城区 西城区 朝阳区 海淀区 丰台区 石景山区 门头沟区 房山区 "
    "通州区 顺义区 昌平区 大兴区 怀柔区 平谷区 密云区 延庆区"
)
PLACE_FIRST = "安和福新景永龙天青花文春清德宝兴广长太平宁乐华鼓银金玉双南北东西"
PLACE_SECOND = ("里", "苑", "园", "坊", "营", "桥", "门", "街", "村", "湖", "庄", "寺", "池", "楼", "巷")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚英华玉兰红建文辉宁琳晨欣悦婷雪颖鹏浩宇轩"
    "睿博涵思佳梓一若雨嘉俊诗雅晓月海天志春立新家庆东国晶倩慧瑶琪"
)
NICK_SINGLE = "雨米鱼宝树星禾苗果乐安然朵朵糖彤可点团圆多妞贝甜笑兜壮球天豆"
THEMES = ("文化", "阅读", "科普", "安全教育", "志愿服务")
ANIMALS = _words(
    "小熊 兔子 狐狸 小猪 大象 恐龙 小鸭 熊猫 刺猬 猫头鹰 鲸鱼 蚂蚁 "
    "老鼠 乌龟 长颈鹿 狮子 小狗 小猫 松鼠 企鹅 青蛙 蜗牛 小鹿 燕子"
)
THINGS = _words(
    "月亮 雨伞 帽子 房子 蛋糕 星星 种子 气球 彩虹 围巾 灯笼 饺子 "
    "风筝 被子 信 梦 礼物 秘密 花园 小船 书包 火车 云朵 胡同"
)
ADJECTIVES = ("勇敢的", "害羞的", "爱读书的", "会飞的", "最好的", "迷路的", "好奇的", "慢吞吞的", "不睡觉的", "快乐的")
PLACES = ("幼儿园", "森林", "海边", "奶奶家", "故宫", "天坛", "月球", "图书馆", "菜市场", "雪山", "胡同里", "动物园")
SEASONS = ("春天", "夏天", "秋天", "冬天", "下雨天", "过年", "中秋节", "端午节")
SERIES = ("", "", "", "", "（第一辑）", "（第二辑）", "（注音版）", "（精装）", "（新版）")
PUBLISHERS = (
    ("海豚出版社", 6),
    ("接力出版社", 2),
    ("明天出版社", 2),
    ("二十一世纪出版社", 2),
    ("中信出版社", 2),
    ("少年儿童出版社", 1),
    ("新蕾出版社", 1),
    ("北京科学技术出版社", 1),
    ("中国少年儿童新闻出版总社", 1),
    ("长江少年儿童出版社", 1),
    ("天天出版社", 1),
)
FOREIGN_AUTHORS = ("[美]艾瑞·卡尔", "[英]安东尼·布朗", "[日]宫西达也", "[美]莫·威廉斯", "[法]克劳德·布彭")
ACTIVITY_TITLES = (
    "绘本＋{theme}：《{book}》亲子共读",
    "家庭领读人带读：《{book}》",
    "{theme}主题绘本会：{thing}的故事",
    "亲子手工：做一个{thing}",
    "周末故事会：{animal}和{thing}",
)
CORNER_NAMES = ("绘本架", "亲子共读区", "故事小剧场", "低幼绘本角", "科普绘本墙")


def person_name(rng: random.Random, *, surname_first: bool = False) -> str:
    """A Chinese name: a surname and one or two given characters (the draw order differs
    between the two forms, each kept as the generator first drew it)."""
    if surname_first:
        surname = rng.choice(SURNAMES)
        return surname + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def nickname(rng: random.Random) -> str:
    c = rng.choice(NICK_SINGLE)
    return c + c if rng.random() < 0.5 else "小" + c


def place_name(rng: random.Random) -> str:
    """A made-up place (a community, a subdistrict): two characters and a place word."""
    return rng.choice(PLACE_FIRST) + rng.choice(PLACE_FIRST) + rng.choice(PLACE_SECOND)


def generated_streets(rng: random.Random, count: int) -> list[str]:
    seen: list[str] = []
    while len(seen) < count:
        name = place_name(rng)
        if name not in seen:
            seen.append(name)
    return seen


def book_title(rng: random.Random) -> list[str]:
    """A title as its words (joined, the title): the pinyin initials are computed per word."""
    pattern = rng.randrange(8)
    a, b, t = rng.choice(ANIMALS), rng.choice(ANIMALS), rng.choice(THINGS)
    if pattern == 0:
        words = [a, "的", t]
    elif pattern == 1:
        words = [rng.choice(ADJECTIVES), a]
    elif pattern == 2:
        words = [a, "去", rng.choice(PLACES)]
    elif pattern == 3:
        words = [rng.choice(SEASONS), "的", t]
    elif pattern == 4:
        words = [a, "和", b]
    elif pattern == 5:
        words = [rng.choice("一二三四五六七八九十"), "只", a, "找", t]
    elif pattern == 6:
        words = ["你好", "，", t]
    else:
        words = [rng.choice(ADJECTIVES), t]
    series = rng.choice(SERIES)
    return [*words, series] if series else words
