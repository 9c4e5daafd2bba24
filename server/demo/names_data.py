"""Words the demo draws people's names, roads and phone numbers from."""

import random

__all__ = ["ROADS", "mobile_number", "person_name", "phone_number", "road_for"]

# Common surnames, weighted towards those frequent in Zhejiang (one character each).
_SURNAMES = (
    "王王陈陈陈张张李李徐徐吴吴周周金金沈沈杨朱胡钱俞叶蒋孙"
    "郑方应潘何汪章施陆楼宋姚许黄刘赵邵毛余韩冯丁傅戴范董严"
)

# Characters of given names.
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红俊斌浩婷雪"
    "琳晨宇鹏辉建峰亮燕颖佳欣怡嘉晓倩琪瑶涵泽轩凯文波海林梅兰凤杭越浙"
    "舟江航铭哲睿博悦诗雨蕾昊豪"
)

# Real roads of each street's area; addresses are "<street><road><number>号".
ROADS: dict[str, tuple[str, ...]] = {
    code: tuple(words.split())
    for code, words in {
        "hubin": "延安路 平海路 解放路 东坡路 龙翔路 湖滨路 庆春路 邮电路 仁和路",
        "qingbo": "河坊街 南山路 清波街 大井巷 劳动路 中山南路 柳浪东路",
        "xiaoying": "建国中路 小营巷 中河中路 庆春路 菜市桥 长寿桥 马市街",
        "wangjiang": "望江路 秋涛路 候潮路 江城路 建国南路 婺江路",
        "nanxing": "复兴街 江城路 秋涛路 海月桥 白塔岭 梵天寺路",
        "ziyang": "中山南路 西湖大道 紫阳山路 十五奎巷 城隍牌楼巷",
        "zhanongkou": "艮山西路 天城路 机场路 闸弄口路 新风路 沈家路",
        "kaixuan": "凯旋路 景芳路 凤起东路 新塘路 景昙路",
        "caihe": "采荷路 秋涛北路 凯旋路 庆春东路 清江路 双菱路",
        "sijiqing": "钱江路 新塘路 富春路 秋涛路 观音塘路 三新路",
        "jianqiao": "机场路 笕桥路 同协路 黄家路 弄口路 横塘路",
        "pengbu": "艮山东路 临丁路 普福路 彭埠路 皋亭路",
        "jiubao": "九堡大道 德胜东路 东宁路 九环路 红普路 杭海路",
        "dinglan": "丁兰路 华中南路 勤丰路 大农港路 皋亭山路",
        "dongzhan": "天城路 新风路 东宁路 全福桥路 明月桥路",
    }.items()
}


def person_name(rng: random.Random) -> str:
    """A plausible Chinese personal name (one surname, one or two given characters)."""
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.75 else "")
    return rng.choice(_SURNAMES) + given


def phone_number(rng: random.Random) -> str:
    """A mobile number, or now and then a Hangzhou landline."""
    if rng.random() < 0.15:
        return f"0571-8{rng.randrange(10**7):07d}"
    return mobile_number(rng)


def mobile_number(rng: random.Random) -> str:
    return f"1{rng.choice('358')}{rng.choice('0125689')}{rng.randrange(10**8):08d}"


def road_for(rng: random.Random, street_code: str) -> str:
    """A road in the street's area."""
    return rng.choice(ROADS[street_code])
