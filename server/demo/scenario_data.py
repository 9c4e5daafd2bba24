"""The demo scenarios (监管一件事) and how the demo names the shops of each business type."""

from dataclasses import dataclass

__all__ = ["SCENARIOS", "ScenarioRef"]


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario: the matters whose check items one joint visit carries for a business type."""

    code: str
    name: str
    business_type: str
    matter_codes: str  # space-separated
    share: float  # of the demo merchants
    stem_words: str  # trade-name stems (字号), space-separated
    kind_words: str  # what the shop calls itself, space-separated

    @property
    def matters(self) -> tuple[str, ...]:
        return tuple(self.matter_codes.split())

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(self.stem_words.split())

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.kind_words.split())


SCENARIOS: tuple[ScenarioRef, ...] = (
    ScenarioRef(
        "SC-CY",
        "餐饮店",
        "餐饮",
        # food licence and health certificates (market), extinguishers and escape routes (fire),
        # fume purifier (environment), shop front, outside trading, waste and gas (comprehensive)
        "SCJG-001 SCJG-002 SCJG-003 XF-001 XF-002 STHJ-001 ZHZF-001 ZHZF-004 ZHZF-005",
        0.34,
        "老杭帮 品味 家常 江南小厨 西湖人家 湖畔 新风 钱塘 味庄 吴山 南宋 河坊 状元 胖哥"
        " 阿强 小笼 蜀香 湘味 粤港 兰州 沙县 东北 鲜炖 三鲜 渔家 江鲜 禾丰 拾味",
        "菜馆 面馆 小吃店 餐厅 饭店 酒家 快餐店 馄饨店 烧烤店 私房菜",
    ),
    ScenarioRef(
        "SC-MF",
        "美容美发",
        "美容美发",
        "WSJK-001 WSJK-002 WSJK-003 SCJG-005 XF-001 XF-002 ZHZF-001 ZHZF-003",
        0.14,
        "丽人 名剪 青丝 尚美 伊人 发艺 悦颜 魅力 秀发 美涵 千丝 型格 若雅 朵朵 简约 靓丽",
        "美发 美容美发店 造型 美甲美睫 美容院 理发店",
    ),
    ScenarioRef(
        "SC-WB",
        "网吧",
        "网吧",
        "WHSC-001 WHSC-002 WHSC-003 XF-001 XF-002 WSJK-004 SCJG-006",
        0.03,
        "星际 极速 风云 蓝海 飞扬 竞界 雷霆 启航 未来 天翼",
        "网咖 网吧 电竞馆",
    ),
    ScenarioRef(
        "SC-BG",
        "宾馆",
        "住宿",
        "WSJK-001 WSJK-002 WSJK-003 ZHZF-007 XF-001 XF-002 XF-005 WSJK-004",
        0.05,
        "西湖 钱塘 湖滨 悦居 清河 云栖 如意 望江 城站 庆春 艮山 凯旋",
        "宾馆 酒店 旅馆 客栈 商务酒店 公寓酒店",
    ),
    ScenarioRef(
        "SC-JG",
        "小型加工场所",
        "小型加工",
        "YJGL-001 YJGL-002 YJGL-003 YJGL-004 XF-003 XF-004 STHJ-004 STHJ-005 ZHZF-006",
        0.07,
        "恒达 鑫源 利民 兴旺 顺发 永盛 宏达 金鼎 华丰 精工",
        "五金加工厂 服装加工坊 印刷厂 木器加工店 汽修厂 广告制作部 模具厂",
    ),
    ScenarioRef(
        "SC-ZB",
        "直播电商",
        "直播电商",
        "SCJG-006 SCJG-008 SCJG-009 SCJG-010 XF-002 XF-004",
        0.06,
        "潮品 优选 杭品 甄选 云播 好物 星选 丝路 织锦 茶韵",
        "直播基地 电子商务商行 网络科技工作室 电商直播间 供应链商行",
    ),
    ScenarioRef(
        "SC-BL",
        "便利店",
        "食品销售",
        "SCJG-001 SCJG-004 SCJG-005 SCJG-007 XF-001 ZHZF-001",
        0.18,
        "好邻里 快捷 惠民 邻家 乐选 百家 万家 平价 诚信 鲜生",
        "便利店 超市 食品商店 烟酒商行 副食品店",
    ),
    ScenarioRef(
        "SC-YD",
        "药店",
        "药品零售",
        "SCJG-011 SCJG-012 SCJG-013 SCJG-005 XF-001",
        0.07,
        "康寿 仁心 百草 益民 同心 寿仁 回春 康宁 安康 济生",
        "大药房 药店 医药连锁店",
    ),
    ScenarioRef(
        "SC-KTV",
        "KTV",
        "歌舞娱乐",
        "WHSC-004 WHSC-005 WHSC-006 XF-001 XF-002 XF-005 STHJ-003",
        0.03,
        "金嗓子 欢唱 麦霸 星光 唱吧 纵情 银河 欢聚",
        "KTV 量贩式KTV 歌舞厅",
    ),
)
