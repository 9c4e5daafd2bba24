"""The catalogue workbook (一张清单): matters, check items, empowerment and scenarios.

docs/data-import.md describes it for the people who fill it in.
"""

from server.core.workbook import Table

__all__ = [
    "EMPOWERMENT",
    "EXAMPLES",
    "ITEMS",
    "LEVELS",
    "MATTERS",
    "NOTES",
    "SCENARIOS",
    "SHEETS",
    "SOURCES",
]

MATTERS = Table(
    key="matters",
    names=("事项", "matters", "执法事项"),
    columns={
        "code": "事项编码 编码 code",
        "name": "事项名称 名称 name",
        "department": "部门 实施部门 department",
        "level": "层级 管辖层级 level",
        "domain": "领域 执法领域 domain",
        "legal_basis": "法律依据 依据 legalbasis",
        "reserved": "区级保留措施 保留措施 级别管辖 reservedmeasures reserved",
    },
    required=("code", "name", "department", "domain"),
)
ITEMS = Table(
    key="items",
    names=("检查项", "items", "checkitems"),
    columns={
        "code": "检查项编码 编码 code",
        "matter": "事项编码 事项 matter",
        "text": "检查内容 内容 text title",
        "key": "重点项 key",
        "no_penalty": "不予处罚 首违不罚 nopenalty",
        "basis": "依据 basis",
        "guidance": "检查指引 指引 检查要点 guidance",
    },
    required=("code", "matter", "text"),
)
EMPOWERMENT = Table(
    key="empowerment",
    names=("赋权", "empowerment", "赋权清单"),
    columns={
        "matter": "事项编码 事项 matter",
        "street": "街道 street",
        "effective_from": "生效日期 effectivefrom from",
        "effective_to": "截止日期 effectiveto to",
    },
    required=("matter", "street"),
)
SCENARIOS = Table(
    key="scenarios",
    names=("场景", "scenarios", "一件事"),
    columns={
        "code": "场景编码 编码 code",
        "name": "场景名称 名称 name",
        "source": "来源 source",
        "business_types": "行业 businesstypes",
        "items": "检查项 items",
    },
    required=("code", "name", "business_types", "items"),
)
SHEETS = (MATTERS, ITEMS, EMPOWERMENT, SCENARIOS)

LEVELS = {
    "区级": "district",
    "区": "district",
    "district": "district",
    "街道": "street",
    "street": "street",
}
SOURCES = {
    "省级认领": "provincial",
    "省级": "provincial",
    "provincial": "provincial",
    "特色": "local",
    "本地": "local",
    "local": "local",
}
EVERY_STREET = {"全部", "全部街道", "all", "*"}

EXAMPLES = {
    "matters": (
        "SC-001",
        "对食品经营者未按规定公示许可证的行政处罚",
        "scjg",
        "街道",
        "市场监管",
        "《食品安全法》第一百二十六条",
        "较大数额罚没；吊销许可证件；责令停产停业",
    ),
    "items": (
        "SC-001-01",
        "SC-001",
        "是否在显著位置公示食品经营许可证",
        "否",
        "是",
        "《食品经营许可和备案管理办法》",
        "核对许可证主体名称、经营场所与有效期",
    ),
    "empowerment": ("SC-001", "全部", "2026-01-01", ""),
    "scenarios": ("CJ-01", "餐饮店一件事", "省级认领", "餐饮；小吃", "SC-001-01"),
}
NOTES = (
    "执法事项清单导入模板：每类数据一个工作表，表头可用中文或英文，示例行请替换为实际数据。",
    "事项：事项编码唯一；部门填代码或名称；层级填“区级”或“街道”；领域不存在时自动新建。"
    "区级保留措施：街道不能作出、须移送区级部门决定的处罚措施，多个用“；”分隔，可填警告、罚款、"
    "没收违法所得、较大数额罚没、降低资质等级、吊销许可证件、责令停产停业、责令关闭、限制从业；"
    "填“无”表示都不保留；留空为较大数额罚没、降低资质等级、吊销许可证件、责令停产停业、责令关闭、"
    "限制从业。",
    "检查项：检查项编码唯一；事项编码须在「事项」表或系统中已有；重点项、不予处罚填“是”或“否”；"
    "检查指引是执法人员在现场看到的提示。",
    "赋权：街道填街道代码、名称或“全部”；生效日期、截止日期可留空（表示一直有效）。",
    "场景：来源填“省级认领”或“特色”；行业、检查项可填多个，用“；”分隔。",
    "同一文件重复导入不会改变数据；内容有变化的行会更新并记入审计。",
)
EVERY_STREET_LABEL = "全部"
