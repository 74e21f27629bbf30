"""Word lists for the demo shop's made-up buyers: names, nicknames, phones, addresses.

Everything is assembled from pieces (surname + given characters, street name + number),
so no buyer is a real person. The provinces, cities and districts are real, so that
addresses read like the ones a shop in China receives.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sellerdesk.core.addresses import normalize_phone


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string, easier to read and edit."""
    return tuple(text.split())


# Common surnames, most frequent first (the first ones are drawn more often).
SURNAMES = _words(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
    "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 "
    "石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 "
    "万 钱 严 覃 武 戴 莫 孔 向 汤 欧阳 上官 司马"
)

# The shop sells women's clothing and cosmetics: most of its buyers are women.
FEMALE_GIVEN = _words(
    "静 丽 敏 燕 艳 娟 霞 婷 雪 琳 晶 颖 洁 佳 欣 怡 萱 瑶 琪 晨 璐 蕾 倩 妍 楠 悦 雯 萌 菲 露 "
    "思 梦 诗 雨 涵 可 馨 彤 若 子 嘉 慧 玉 春 秀 美 红 芳 晓 婉 然 宁 月 莉 薇 蓉 青 文 丹 岚"
)
MALE_GIVEN = _words(
    "伟 强 磊 军 勇 杰 涛 明 超 鹏 浩 宇 俊 辉 刚 斌 波 鑫 凯 峰 帅 博 文 轩 子 航 志 建 国 海 东 林 晨 阳 昊 然 睿 泽"
)

_NICK_VERBS = _words("爱吃 喜欢 想去 不吃 会飞的 快乐的 安静的 迷路的 晒太阳的 追风的 爱睡觉的 贪吃的")
_NICK_NOUNS = _words("橘子 草莓 小鱼 猫咪 兔子 柠檬 西瓜 奶茶 星星 月亮 云朵 布丁 芒果 桃子 团子 小熊")
_NICK_SUFFIXES = ("酱", "呀", "吖", "宝宝", "小姐姐", "同学", "")
_NICK_LATIN = _words(
    "xiao yu mei lin chen tang momo qiqi lulu anan jing yan bei coco lily sunny amy kiki dudu nana "
    "echo yoyo vivi candy mia"
)

# Prefixes that the phone-number tables accept as mainland mobiles, weighted by use.
_MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
)


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    district: str
    weight: int


# (province, city, district, how often buyers come from there).
PLACES = tuple(
    Place(*row)
    for row in (
        ("浙江省", "杭州市", "西湖区", 6),
        ("浙江省", "杭州市", "余杭区", 5),
        ("浙江省", "宁波市", "鄞州区", 3),
        ("浙江省", "温州市", "鹿城区", 2),
        ("江苏省", "南京市", "鼓楼区", 4),
        ("江苏省", "苏州市", "姑苏区", 4),
        ("江苏省", "无锡市", "梁溪区", 2),
        ("上海市", "上海市", "浦东新区", 7),
        ("上海市", "上海市", "徐汇区", 4),
        ("上海市", "上海市", "闵行区", 4),
        ("北京市", "北京市", "朝阳区", 6),
        ("北京市", "北京市", "海淀区", 5),
        ("北京市", "北京市", "丰台区", 3),
        ("天津市", "天津市", "南开区", 2),
        ("重庆市", "重庆市", "渝北区", 3),
        ("广东省", "广州市", "天河区", 5),
        ("广东省", "广州市", "番禺区", 3),
        ("广东省", "深圳市", "南山区", 5),
        ("广东省", "深圳市", "龙岗区", 4),
        ("广东省", "佛山市", "南海区", 2),
        ("福建省", "厦门市", "思明区", 3),
        ("福建省", "福州市", "鼓楼区", 2),
        ("山东省", "青岛市", "市南区", 3),
        ("山东省", "济南市", "历下区", 2),
        ("河南省", "郑州市", "金水区", 3),
        ("湖北省", "武汉市", "洪山区", 3),
        ("湖北省", "武汉市", "江汉区", 2),
        ("湖南省", "长沙市", "岳麓区", 3),
        ("四川省", "成都市", "武侯区", 4),
        ("四川省", "成都市", "锦江区", 3),
        ("陕西省", "西安市", "雁塔区", 3),
        ("安徽省", "合肥市", "蜀山区", 2),
        ("江西省", "南昌市", "红谷滩区", 2),
        ("辽宁省", "沈阳市", "和平区", 2),
        ("辽宁省", "大连市", "沙河口区", 2),
        ("黑龙江省", "哈尔滨市", "南岗区", 2),
        ("吉林省", "长春市", "朝阳区", 1),
        ("河北省", "石家庄市", "长安区", 2),
        ("山西省", "太原市", "小店区", 1),
        ("云南省", "昆明市", "五华区", 2),
        ("贵州省", "贵阳市", "观山湖区", 1),
        ("广西壮族自治区", "南宁市", "青秀区", 1),
        ("海南省", "海口市", "美兰区", 1),
        ("甘肃省", "兰州市", "城关区", 1),
        ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", 1),
        ("内蒙古自治区", "呼和浩特市", "赛罕区", 1),
        ("宁夏回族自治区", "银川市", "金凤区", 1),
        ("西藏自治区", "拉萨市", "城关区", 1),
        ("青海省", "西宁市", "城西区", 1),
    )
)
# Where express costs the shop more, so orders there pay a shipping fee.
REMOTE_PROVINCES = frozenset({"新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区", "宁夏回族自治区"})

_STREETS = _words(
    "建设 人民 中山 解放 文化 新华 长江 学院 光明 和平 幸福 东风 友谊 青年 朝阳 胜利 "
    "迎宾 滨河 花园 工业 科技 湖滨 翠柏 丹桂 银杏 紫荆 金桥 清泉"
)
_STREET_KINDS = ("路", "路", "路", "街", "大道", "南路", "北路", "东路", "西路")
_ESTATE_HEADS = _words(
    "阳光 金色 翠苑 锦绣 香樟 东方 绿城 滨江 万家 和平 新城 春江 星河 紫金 君悦 御景 云栖 桂花 枫林 嘉和"
)
_ESTATE_TAILS = ("花园", "家园", "小区", "华庭", "公寓", "苑", "新村", "名邸", "府", "嘉园")
_OFFICES = ("国际大厦", "创业大厦", "科技园", "金融中心", "商务中心", "时代广场")


def person_name(rng: random.Random) -> str:
    surname = SURNAMES[min(int(rng.expovariate(1 / 20)), len(SURNAMES) - 1)]
    given = FEMALE_GIVEN if rng.random() < 0.8 else MALE_GIVEN
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(given) for _ in range(length))


def nickname(rng: random.Random, platform: str) -> str:
    """A marketplace nickname (旺旺名 / 拼多多昵称) in one of the styles buyers use."""
    style = rng.random()
    if platform in ("taobao", "tmall") and style < 0.15:
        return f"tb{rng.randrange(10**9, 10**10)}"  # the name a marketplace gives by default
    if platform == "pinduoduo" and style < 0.2:
        return f"pdd_{rng.randrange(10**7, 10**8)}"
    if style < 0.55:
        return rng.choice(_NICK_VERBS) + rng.choice(_NICK_NOUNS) + rng.choice(_NICK_SUFFIXES)
    if style < 0.8:
        return rng.choice(_NICK_LATIN) + rng.choice(_NICK_LATIN) + str(rng.randrange(1985, 2008))
    return rng.choice(_NICK_NOUNS) + rng.choice(_NICK_LATIN) + f"{rng.randrange(100):02d}"


def mobile_phone(rng: random.Random) -> str:
    """An 11-digit mainland mobile number that intake's phone check accepts."""
    for _attempt in range(100):
        candidate = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if normalize_phone(candidate) == candidate:
            return candidate
    raise AssertionError("no valid mobile prefix in the demo list")


def place(rng: random.Random) -> Place:
    return rng.choices(PLACES, weights=[p.weight for p in PLACES])[0]


def street_address(rng: random.Random) -> str:
    street = f"{rng.choice(_STREETS)}{rng.choice(_STREET_KINDS)}{rng.randrange(1, 999)}号"
    if rng.random() < 0.15:
        return f"{street}{rng.choice(_STREETS)}{rng.choice(_OFFICES)}{rng.randrange(2, 31)}楼"
    estate = rng.choice(_ESTATE_HEADS) + rng.choice(_ESTATE_TAILS)
    building, unit = rng.randrange(1, 36), rng.randrange(1, 5)
    room = rng.randrange(1, 33) * 100 + rng.randrange(1, 5)
    return f"{street}{estate}{building}栋{unit}单元{room}室"


# What buyers write on their orders (买家留言).
BUYER_MESSAGES = (
    "不要放价格单",
    "送礼 不要价格",
    "易碎 加固包装",
    "请发顺丰",
    "周末送货",
    "尽快发货，谢谢",
    "工作日送到公司",
    "请放快递柜",
    "到了打电话",
    "口红请送小样",
    "麻烦包装好一点，送人的",
    "帮忙挑一件没有线头的",
    "需要开发票，个人",
    "不要用中通",
)
# Notes staff write on an order (卖家备注), by the stage the order is in when written.
NOTES_UNPAID = ("已催付", "已发付款链接", "买家说晚上付款")
NOTES_BEFORE_SHIPPING = (
    "已核对地址",
    "已电话确认尺码",
    "赠品：面膜小样 x2",
    "老客户，送小礼物",
    "客户要求周末送货，已备注快递",
    "客户要开发票，抬头已记录",
    "需加固包装",
)
NOTES_WAREHOUSE = ("已加固包装", "已放赠品", "拆单发货：缺货部分补发")
NOTES_IN_TRANSIT = ("已提醒买家注意查收", "物流停滞，已联系快递", "买家问物流，已回复单号")
NOTES_DELIVERED = ("客户反馈已收到，很满意", "买家说包装很好，已邀评")

# (colour, reason) of flags (插旗) agents set.
FLAGS = (
    ("red", "买家投诉过，发货前请主管检查"),
    ("orange", "加急：买家赶时间"),
    ("yellow", "地址待确认"),
    ("green", "老客户，送小样"),
    ("blue", "需开发票"),
    ("purple", "换货补发"),
)
CANCEL_REASONS_UNPAID = ("买家拍错了，重新下单", "买家不想要了", "重复下单", "协商一致取消")
CANCEL_REASONS_PAID = ("买家申请退款：尺码拍错", "缺货，与买家协商退款", "买家申请退款：不想要了")
CANCEL_REASONS_APPROVED = ("仓库缺货，联系买家取消并退款", "地址无法送达，买家要求取消")
REPRICE_REASONS = ("老客户优惠", "议价：包邮价", "满减差价补偿", "买家议价，打九折")
BANKS = ("ICBC", "CCB", "ABC", "BOC", "CMB", "BOCOM")


@dataclass(frozen=True)
class Carrier:
    name: str
    weight: int
    style: str


EXPRESS_CARRIERS = (
    Carrier("中通快递", 25, "zto"),
    Carrier("圆通速递", 20, "yto"),
    Carrier("韵达快递", 18, "yunda"),
    Carrier("顺丰速运", 15, "sf"),
    Carrier("申通快递", 10, "sto"),
    Carrier("京东物流", 7, "jd"),
    Carrier("EMS", 5, "ems"),
)
SF = EXPRESS_CARRIERS[3]
POST_CARRIERS = (Carrier("中国邮政", 3, "post"), Carrier("EMS", 1, "ems"))


def tracking_number(rng: random.Random, carrier: Carrier) -> str:
    """A tracking number in the carrier's own style (prefix and length)."""

    def digits(count: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(count))

    return {
        "sf": lambda: "SF" + rng.choice("1234") + digits(12),
        "zto": lambda: rng.choice(("73", "75", "78")) + digits(12),
        "yto": lambda: "YT" + rng.choice("6789") + digits(12),
        "yunda": lambda: rng.choice(("43", "46", "31")) + digits(11),
        "sto": lambda: "77" + rng.choice("3456") + digits(12),
        "jd": lambda: "JDV" + rng.choice("ABCDE") + digits(11),
        "ems": lambda: "11" + digits(11),
        "post": lambda: "98" + digits(11),
    }[carrier.style]()
