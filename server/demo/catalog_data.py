"""The demo matter catalogue (一张清单) as plain data: domains, matters, check items.

Legal bases cite the national law or regulation and article that the check rests on. Department
codes are those of server.org.district.DEPARTMENTS; item codes are `<matter code>-<nn>`.
"""

from dataclasses import dataclass

__all__ = ["DOMAINS", "MATTERS", "PILOT_STREETS", "ItemRef", "MatterRef", "general", "key"]

# The two streets piloting the wider empowerment list (赋权试点街道).
PILOT_STREETS = ("kaixuan", "nanxing")


@dataclass(frozen=True)
class ItemRef:
    """A check item: key (重点项) or general (一般项)."""

    title: str
    is_key: bool
    no_penalty: bool = False  # on the 首违不罚 list
    fixable: bool = False  # can be put right on the spot, e.g. a cleared exit
    guidance: str = ""


@dataclass(frozen=True)
class MatterRef:
    """An enforcement matter with its legal basis and who may act on it."""

    code: str
    name: str
    domain: str
    department: str
    legal_basis: str
    items: tuple[ItemRef, ...]
    level: str = "district"
    all_streets: bool = False  # on the 赋权街道清单 of every street
    pilot: bool = False  # empowered to the pilot streets only


def key(title: str, *, fixable: bool = False, guidance: str = "") -> ItemRef:
    """A key item (重点项)."""
    return ItemRef(title, is_key=True, fixable=fixable, guidance=guidance)


def general(title: str, *, no_penalty: bool = False, guidance: str = "") -> ItemRef:
    """A general item (一般项); general items can usually be put right on the spot."""
    return ItemRef(title, is_key=False, no_penalty=no_penalty, fixable=True, guidance=guidance)


DOMAINS: tuple[tuple[str, str], ...] = (
    ("SCJG", "市场监管"),
    ("SPAQ", "食品安全"),
    ("YPAQ", "药品安全"),
    ("WLJY", "网络交易与广告"),
    ("XFAQ", "消防安全"),
    ("STHJ", "生态环境"),
    ("SRHW", "市容环境卫生"),
    ("WHSC", "文化市场"),
    ("WSJK", "卫生健康"),
    ("AQSC", "安全生产"),
    ("CXGH", "城乡规划"),
    ("SHZA", "社会治安"),
)

FOOD = "《中华人民共和国食品安全法》"
FIRE = "《中华人民共和国消防法》"
AIR = "《中华人民共和国大气污染防治法》"
CITY = "《城市市容和环境卫生管理条例》"
NET_CAFE = "《互联网上网服务营业场所管理条例》"
ENTERTAINMENT = "《娱乐场所管理条例》"
PUBLIC_HEALTH = "《公共场所卫生管理条例》"
PUBLIC_HEALTH_RULES = "《公共场所卫生管理条例实施细则》"
WORK_SAFETY = "《中华人民共和国安全生产法》"
DRUGS = "《中华人民共和国药品管理法》"
WASTE = "《中华人民共和国固体废物污染环境防治法》"

# A hand-laid-out table: one matter, its basis and its items read best together.
# fmt: off
MATTERS: tuple[MatterRef, ...] = (
    # 市场监管 — food
    MatterRef("SCJG-001", "对未取得食品经营许可从事食品经营活动的行政处罚", "SPAQ", "scjg",
              f"{FOOD}第三十五条、第一百二十二条", (
                  key("取得食品经营许可证且在有效期内，经营项目与许可一致",
                      guidance="核对许可证编号、主体名称、经营场所、有效期"),
                  general("食品经营许可证在经营场所显著位置悬挂或摆放", no_penalty=True),
              )),
    MatterRef("SCJG-002", "对食品从业人员未取得健康证明上岗的行政处罚", "SPAQ", "scjg",
              f"{FOOD}第四十五条、第一百二十六条", (
                  key("接触直接入口食品的从业人员持有效健康证明",
                      guidance="逐人核对健康证明，注意一年有效期"),
                  general("建立并执行从业人员健康管理制度（晨检记录）", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("SCJG-003", "对餐饮服务提供者违反食品安全操作规范的行政处罚", "SPAQ", "scjg",
              f"{FOOD}第三十三条、第五十五条、第五十六条", (
                  key("餐具、饮具和盛放直接入口食品的容器使用前洗净、消毒", fixable=True),
                  general("生熟分开，防蝇、防鼠、防虫设施完好"),
                  general("建立原料进货查验记录", no_penalty=True),
              )),
    MatterRef("SCJG-004", "对经营超过保质期或腐败变质食品的行政处罚", "SPAQ", "scjg",
              f"{FOOD}第三十四条、第五十四条", (
                  key("未经营超过保质期、腐败变质的食品及食品原料", fixable=True,
                      guidance="抽查冷藏、冷冻设施及货架临期食品，问题食品当场下架"),
                  general("定期检查库存食品，及时清理变质或者超过保质期的食品", no_penalty=True),
              ), pilot=True),
    # 市场监管 — trading order
    MatterRef("SCJG-005", "对经营者不按规定明码标价的行政处罚", "SCJG", "scjg",
              "《中华人民共和国价格法》第十三条、第四十二条", (
                  general("商品和服务按规定明码标价", no_penalty=True),
                  general("标价内容与实际收费一致，无价格欺诈"),
              ), level="street", all_streets=True),
    MatterRef("SCJG-006", "对市场主体未按规定公示营业执照的行政处罚", "SCJG", "scjg",
              "《中华人民共和国市场主体登记管理条例》第三十六条", (
                  general("营业执照置于主要经营场所醒目位置", no_penalty=True),
                  general("实际经营场所与登记住所一致"),
              ), level="street", all_streets=True),
    MatterRef("SCJG-007", "对向未成年人销售烟酒的行政处罚", "SCJG", "scjg",
              "《中华人民共和国未成年人保护法》第五十九条", (
                  general("在显著位置设置不向未成年人销售烟酒的标志", no_penalty=True),
                  key("未向未成年人销售烟、酒"),
              ), level="street", all_streets=True),
    # 市场监管 — advertising, e-commerce and live-stream selling
    MatterRef("SCJG-008", "对发布违法广告的行政处罚", "WLJY", "scjg",
              "《中华人民共和国广告法》第九条、第二十八条", (
                  general("广告未使用“国家级”“最高级”“最佳”等用语", no_penalty=True),
                  key("未发布虚假或者引人误解的广告内容",
                      guidance="核对直播话术、商品详情页中的功效宣传"),
              )),
    MatterRef("SCJG-009", "对电子商务经营者未公示营业执照信息的行政处罚", "WLJY", "scjg",
              "《中华人民共和国电子商务法》第十五条、第七十六条", (
                  general("网店首页显著位置持续公示营业执照信息", no_penalty=True),
              )),
    MatterRef("SCJG-010", "对电子商务经营者虚假宣传、编造交易的行政处罚", "WLJY", "scjg",
              "《中华人民共和国电子商务法》第十七条；《网络直播营销管理办法（试行）》", (
                  key("全面、真实、准确披露商品信息，直播展示与实际销售商品一致"),
                  key("未虚构交易、编造用户评价"),
                  general("直播营销人员信息登记、直播内容留存"),
              )),
    # 市场监管 — medicines
    MatterRef("SCJG-011", "对未取得药品经营许可证经营药品的行政处罚", "YPAQ", "scjg",
              f"{DRUGS}第五十一条、第五十二条、第一百一十五条", (
                  key("持有效药品经营许可证，经营范围与许可一致"),
                  key("依法经过资格认定的药师或其他药学技术人员在岗",
                      guidance="核对执业药师注册证与排班记录"),
              )),
    MatterRef("SCJG-012", "对药品零售企业违规销售处方药的行政处罚", "YPAQ", "scjg",
              "《药品流通监督管理办法》第十八条", (
                  key("凭处方销售处方药"),
                  general("处方药与非处方药分柜摆放", no_penalty=True),
              )),
    MatterRef("SCJG-013", "对药品经营企业未执行药品保管制度的行政处罚", "YPAQ", "scjg",
              f"{DRUGS}第五十九条", (
                  key("未销售过期、变质药品", fixable=True),
                  general("需冷藏药品按规定储存并有温湿度记录"),
              )),
    # 消防
    MatterRef("XF-001", "对消防设施、器材配置维护不符合规定的行政处罚", "XFAQ", "xf",
              f"{FIRE}第十六条、第六十条", (
                  key("按标准配置灭火器且压力正常、在有效期内", fixable=True,
                      guidance="查看压力表指针是否在绿区及维保标签"),
                  general("应急照明和疏散指示标志完好有效"),
                  general("消火栓未被埋压、圈占、遮挡", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("XF-002", "对占用、堵塞、封闭疏散通道、安全出口的行政处罚", "XFAQ", "xf",
              f"{FIRE}第二十八条、第六十条", (
                  key("疏散通道、安全出口畅通，未被占用、堵塞或锁闭", fixable=True),
                  key("门窗未设置影响逃生和灭火救援的障碍物", fixable=True),
              ), level="street", all_streets=True),
    MatterRef("XF-003", "对经营场所与居住场所违规设置在同一建筑物内的行政处罚", "XFAQ", "xf",
              f"{FIRE}第十九条、第六十一条", (
                  key("生产经营场所内未违规住人（“三合一”场所）"),
              ), level="street", all_streets=True),
    MatterRef("XF-004", "对违规用火用电的行政处罚", "XFAQ", "xf",
              f"{FIRE}第二十一条、第二十七条", (
                  general("电气线路敷设规范，无私拉乱接", no_penalty=True),
                  general("电动自行车未在室内、楼道停放充电"),
                  general("可燃物与照明灯具、发热设备保持安全距离", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("XF-005", "对公众聚集场所未经消防安全检查投入使用、营业的行政处罚", "XFAQ", "xf",
              f"{FIRE}第十五条、第五十八条", (
                  key("营业前取得消防安全检查合格或已作告知承诺"),
              )),
    # 生态环境
    MatterRef("STHJ-001", "对餐饮服务业经营者未安装油烟净化设施的行政处罚", "STHJ", "sthj",
              f"{AIR}第八十一条第一款、第一百一十八条", (
                  key("安装油烟净化设施", guidance="核对设施型号与灶头数是否匹配"),
                  general("油烟净化设施正常使用，定期清洗维护", no_penalty=True),
                  general("留存清洗维护记录", no_penalty=True),
              ), pilot=True),
    MatterRef("STHJ-002", "对在禁止区域露天烧烤食品的行政处罚", "STHJ", "zhzf",
              f"{AIR}第八十一条第三款、第一百一十八条", (
                  general("未在禁止区域露天烧烤食品或为其提供场地"),
              ), level="street", all_streets=True),
    MatterRef("STHJ-003", "对商业经营活动中使用高音广播喇叭招揽顾客的行政处罚", "STHJ", "zhzf",
              "《中华人民共和国噪声污染防治法》第六十四条", (
                  general("未使用高音广播喇叭或持续反复发出高噪声招揽顾客", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("STHJ-004", "对产生挥发性有机物废气未采取治理措施的行政处罚", "STHJ", "sthj",
              f"{AIR}第四十五条、第一百零八条", (
                  key("喷涂、清洗等作业在密闭空间进行并使用废气治理设施"),
                  general("治理设施运行及耗材更换台账齐全"),
              )),
    MatterRef("STHJ-005", "对危险废物贮存、处置不符合规定的行政处罚", "STHJ", "sthj",
              f"{WASTE}第七十七条、第七十九条", (
                  general("危险废物贮存场所设置识别标志", no_penalty=True),
                  key("危险废物交由有资质单位处置，转移联单齐全"),
              )),
    # 市容环境卫生 and 城乡规划 (综合行政执法)
    MatterRef("ZHZF-001", "对超出门窗外墙经营（出店经营）的行政处罚", "SRHW", "zhzf",
              f"{CITY}第十四条、第三十六条；《浙江省城市市容和环境卫生管理条例》", (
                  general("未超出门窗和外墙摆卖、经营（出店经营）", no_penalty=True),
                  general("未占用人行道、公共场地堆放物品", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("ZHZF-002", "对未履行市容环境卫生责任区责任的行政处罚", "SRHW", "zhzf",
              f"{CITY}第十条；《浙江省城市市容和环境卫生管理条例》", (
                  general("门前责任区整洁，无乱堆乱放（门前三包）", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("ZHZF-003", "对店招店牌、户外广告设置不符合规定的行政处罚", "SRHW", "zhzf",
              f"{CITY}第十一条、第三十六条", (
                  general("店招店牌设置规范、完好、整洁", no_penalty=True),
                  general("未擅自设置大型户外广告"),
              ), level="street", all_streets=True),
    MatterRef("ZHZF-004", "对未按规定分类投放生活垃圾的行政处罚", "SRHW", "zhzf",
              f"{WASTE}第四十九条；《浙江省生活垃圾管理条例》", (
                  general("生活垃圾按规定分类投放", no_penalty=True),
                  general("餐厨垃圾交由有资质的单位收运"),
              ), level="street", all_streets=True),
    MatterRef("ZHZF-005", "对燃气用户违规使用燃气的行政处罚", "AQSC", "zhzf",
              "《城镇燃气管理条例》第二十八条；《浙江省燃气管理条例》", (
                  key("使用燃气的餐饮场所安装可燃气体报警装置并有效"),
                  general("燃气软管无老化、超期，未穿墙使用", no_penalty=True),
              ), level="street", all_streets=True),
    MatterRef("ZHZF-006", "对未取得建设工程规划许可证进行建设（违法建设）的行政处罚",
              "CXGH", "zhzf",
              "《中华人民共和国城乡规划法》第四十条、第六十四条", (
                  key("无未经许可搭建的建筑物、构筑物"),
                  general("未擅自改变建筑外立面"),
              ), level="street", all_streets=True),
    MatterRef("ZRZY-001", "对擅自改变规划许可内容进行建设的行政处罚", "CXGH", "zrzy",
              "《中华人民共和国城乡规划法》第四十三条、第六十四条", (
                  general("建筑使用性质与规划许可一致"),
              )),
    MatterRef("ZHZF-007", "对旅馆未按规定登记旅客住宿信息的处理（移送公安机关）", "SHZA", "zhzf",
              "《旅馆业治安管理办法》第六条", (
                  key("查验旅客身份证件并如实登记", guidance="发现问题移送辖区派出所"),
                  general("住宿登记信息按规定实时上传"),
              )),
    # 文化市场
    MatterRef("WHSC-001", "对互联网上网服务营业场所接纳未成年人的行政处罚", "WHSC", "whsc",
              f"{NET_CAFE}第二十一条、第三十一条", (
                  key("未接纳未成年人进入营业场所", fixable=True),
                  general("入口显著位置悬挂未成年人禁入标志", no_penalty=True),
              ), pilot=True),
    MatterRef("WHSC-002", "对互联网上网服务营业场所未核对登记上网消费者身份的行政处罚",
              "WHSC", "whsc", f"{NET_CAFE}第二十三条、第三十二条", (
                  key("对上网消费者的身份证等有效证件进行核对、登记", fixable=True),
                  general("记录有关上网信息并按规定留存"),
              )),
    MatterRef("WHSC-003", "对互联网上网服务营业场所违规经营的行政处罚", "WHSC", "whsc",
              f"{NET_CAFE}第七条、第二十二条", (
                  key("持有效网络文化经营许可证"),
                  general("营业时间限于8时至24时"),
              )),
    MatterRef("WHSC-004", "对歌舞娱乐场所接纳未成年人的行政处罚", "WHSC", "whsc",
              f"{ENTERTAINMENT}第二十三条、第四十八条", (
                  key("歌舞娱乐场所未接纳未成年人", fixable=True),
                  general("显著位置悬挂未成年人禁入标志", no_penalty=True),
              ), pilot=True),
    MatterRef("WHSC-005", "对娱乐场所违反营业时间、营业日志规定的行政处罚", "WHSC", "whsc",
              f"{ENTERTAINMENT}第二十五条、第二十八条", (
                  general("每日凌晨2时至上午8时未营业"),
                  general("建立营业日志并留存60日备查", no_penalty=True),
              )),
    MatterRef("WHSC-006", "对娱乐场所曲目含有禁止内容的行政处罚", "WHSC", "whsc",
              f"{ENTERTAINMENT}第十三条、第四十八条", (
                  key("点播曲库和画面不含禁止内容"),
              )),
    # 卫生健康
    MatterRef("WSJK-001", "对公共场所未取得卫生许可证经营的行政处罚", "WSJK", "wsjk",
              f"{PUBLIC_HEALTH}第四条、第八条、第十四条", (
                  key("持有效公共场所卫生许可证"),
                  general("卫生许可证在显著位置公示", no_penalty=True),
              )),
    MatterRef("WSJK-002", "对公共场所从业人员未取得健康合格证明上岗的行政处罚", "WSJK", "wsjk",
              f"{PUBLIC_HEALTH}第六条、第七条", (
                  key("直接为顾客服务的人员持有效健康合格证明"),
                  general("从业人员接受卫生知识培训", no_penalty=True),
              ), pilot=True),
    MatterRef("WSJK-003", "对公共场所用品用具未按规定清洗消毒的行政处罚", "WSJK", "wsjk",
              f"{PUBLIC_HEALTH_RULES}第十四条", (
                  key("顾客用品用具一客一换一消毒", fixable=True,
                      guidance="查看消毒间（柜）及消毒记录"),
                  general("设置清洗消毒保洁专用设施并正常使用"),
              )),
    MatterRef("WSJK-004", "对室内公共场所未落实禁止吸烟规定的行政处罚", "WSJK", "wsjk",
              f"{PUBLIC_HEALTH_RULES}第十八条；《杭州市公共场所控制吸烟条例》", (
                  general("设置醒目的禁止吸烟警语和标志", no_penalty=True),
                  general("室内无人吸烟，未放置烟具"),
              ), pilot=True),
    # 安全生产 (应急管理)
    MatterRef("YJGL-001", "对未按规定开展安全生产教育培训的行政处罚", "AQSC", "yjgl",
              f"{WORK_SAFETY}第二十八条、第三十条、第九十七条", (
                  general("从业人员安全生产教育和培训记录齐全", no_penalty=True),
                  key("特种作业人员持证上岗"),
              )),
    MatterRef("YJGL-002", "对未建立事故隐患排查治理制度的行政处罚", "AQSC", "yjgl",
              f"{WORK_SAFETY}第三十六条、第四十一条、第一百零一条", (
                  general("建立事故隐患排查治理台账"),
                  key("机械设备安全防护装置完好有效"),
              )),
    MatterRef("YJGL-003", "对生产经营场所与员工宿舍未保持安全距离的行政处罚", "AQSC", "yjgl",
              f"{WORK_SAFETY}第四十二条、第一百零五条", (
                  key("生产、储存危险物品的场所未与员工宿舍设在同一建筑物内"),
                  general("危险物品专库、专柜存放"),
              )),
    MatterRef("YJGL-004", "对未为从业人员提供劳动防护用品的行政处罚", "AQSC", "yjgl",
              f"{WORK_SAFETY}第四十五条、第九十九条", (
                  general("为从业人员提供符合标准的劳动防护用品并督促佩戴", no_penalty=True),
              )),
)
# fmt: on
