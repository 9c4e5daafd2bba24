"""The flexible-enforcement workbook (柔性执法清单): list versions and their entries.

docs/data-import.md describes it for the legal office that fills it in.
"""

from server.core.workbook import Table

__all__ = ["CORRECTION_WORDS", "ENTRIES", "EXAMPLES", "KIND_WORDS", "LISTS", "NOTES", "SHEETS"]

LISTS = Table(
    key="lists",
    names=("清单", "lists", "清单版本"),
    columns={
        "code": "清单编码 编码 code",
        "kind": "清单类型 类型 kind",
        "name": "清单名称 名称 name",
        "document": "文件名 文件名称 document",
        "document_no": "文号 documentno",
        "effective_from": "生效日期 effectivefrom from",
        "effective_to": "截止日期 失效日期 effectiveto to",
    },
    required=("code", "kind", "name", "document", "effective_from"),
)
ENTRIES = Table(
    key="entries",
    names=("条目", "entries", "清单条目"),
    columns={
        "list": "清单编码 清单 list",
        "no": "序号 no",
        "items": "检查项 检查项编码 items",
        "conduct": "违法行为 conduct",
        "first_violation": "首次违法 首违 firstviolation",
        "correction": "改正要求 改正 correction",
        "minor_harm": "危害后果轻微 后果轻微 minorharm",
        "basis": "依据 basis",
        "note": "备注 note",
    },
    required=("list", "no", "items"),
)
SHEETS = (LISTS, ENTRIES)

KIND_WORDS = {
    "不予处罚": "no_penalty",
    "不予行政处罚": "no_penalty",
    "首违不罚": "no_penalty",
    "nopenalty": "no_penalty",
    "减轻处罚": "mitigated",
    "减轻行政处罚": "mitigated",
    "mitigated": "mitigated",
}
KIND_LABELS = {"no_penalty": "不予处罚", "mitigated": "减轻处罚"}
CORRECTION_WORDS = {
    "": "none",
    "无": "none",
    "不要求": "none",
    "none": "none",
    "当场改正": "on_site",
    "onsite": "on_site",
    "限期改正": "deadline",
    "期限内改正": "deadline",
    "deadline": "deadline",
}
CORRECTION_LABELS = {"none": "不要求", "on_site": "当场改正", "deadline": "限期改正"}

EXAMPLES = {
    "lists": (
        "SJ-BY-2026",
        "不予处罚",
        "市场监管领域轻微违法行为不予处罚清单",
        "关于印发市场监管领域轻微违法行为不予处罚清单的通知",
        "某市监〔2026〕1号",
        "2026-01-01",
        "",
    ),
    "entries": (
        "SJ-BY-2026",
        "1",
        "SC-001-01",
        "未在经营场所显著位置悬挂或者摆放食品经营许可证",
        "是",
        "当场改正",
        "是",
        "《中华人民共和国行政处罚法》第三十三条",
        "",
    ),
}
NOTES = (
    "柔性执法清单导入模板：「清单」表每行是一个清单版本，「条目」表每行是版本中的一条。",
    "清单：清单编码唯一（每个版本一个编码，如 SJ-BY-2026）；清单类型填“不予处罚”（含首违不罚）"
    "或“减轻处罚”；文件名、文号写明清单出自的文件；生效日期必填，截止日期可留空（一直有效）。"
    "新版本取代旧版本时，请给旧版本填上截止日期。",
    "条目：清单编码须在「清单」表或系统中已有；序号在同一清单内唯一；检查项填检查项编码，多个用“；”"
    "分隔；首次违法、危害后果轻微填“是”或“否”；改正要求填“当场改正”“限期改正”或留空（不要求）。",
    "首次违法：在政策规定的回溯期内，该商户此前没有该条目所列检查项的不合格记录。",
    "同一文件重复导入不会改变数据；内容有变化的行会更新并记入审计。",
)
