"""The organisation workbook's sheets, their columns and the words its cells may use.

docs/data-import.md describes the workbook for the people who fill it in.
"""

from server.core.workbook import Table

__all__ = [
    "DEPARTMENTS",
    "KINDS",
    "OFFICERS",
    "ROLE_WORDS",
    "SHEETS",
    "STREETS",
    "TEAMS",
    "RoleWord",
]

STREETS = Table(
    key="streets",
    names=("街道", "streets", "街道列表"),
    columns={
        "code": "代码 街道代码 编码 code",
        "name": "名称 街道名称 name",
        "kind": "类型 kind type",
        "office_lng": "办公点经度 经度 officelng lng longitude",
        "office_lat": "办公点纬度 纬度 officelat lat latitude",
        "crs": "坐标系 坐标类型 crs",
    },
    required=("code", "name", "office_lng", "office_lat"),
)
DEPARTMENTS = Table(
    key="departments",
    names=("部门", "departments"),
    columns={
        "code": "代码 部门代码 编码 code",
        "name": "名称 部门名称 name",
        "specialised": "专业执法 专业执法队 specialised",
    },
    required=("code", "name"),
)
TEAMS = Table(
    key="teams",
    names=("队伍", "teams", "执法队伍"),
    columns={
        "code": "代码 队伍代码 编码 code",
        "name": "名称 队伍名称 name",
        "street": "街道 所属街道 street",
        "department": "部门 所属部门 department",
    },
    required=("code", "name", "department"),
)
OFFICERS = Table(
    key="officers",
    names=("人员", "officers", "执法人员", "users"),
    columns={
        "username": "用户名 账号 登录名 username",
        "name": "姓名 name",
        "role": "角色 role",
        "team": "队伍 所属队伍 team",
        "department": "部门 所属部门 department",
        "cert_no": "执法证号 证件号 certno",
        "cert_from": "证件生效日 证件有效期自 发证日期 certfrom",
        "cert_expires": "证件有效期至 有效期至 证件有效期 certexpires",
        "phone": "手机 手机号 电话 phone mobile",
    },
    required=("username", "name", "role"),
)
SHEETS = (STREETS, DEPARTMENTS, TEAMS, OFFICERS)

# 类型: a street or a hub committee stationed in the district (派驻).
KINDS = {"街道": "street", "street": "street", "派驻": "hub", "派驻机构": "hub", "hub": "hub"}


class RoleWord:
    """What a 角色 cell means: the account's role and whether its team's street scopes it."""

    def __init__(self, role: str, label: str, *, street: bool | None, team: bool) -> None:
        self.role = role
        self.label = label
        self.street = street  # True: needs a street team; False: must not have one; None: either
        self.team = team  # a team is required


_ROLES = (
    (RoleWord("inspector", "执法人员", street=None, team=True), "执法人员 检查人员 inspector"),
    (
        RoleWord("supervisor", "街道管理员", street=True, team=True),
        "街道管理员 街道监管 街道调度 streetsupervisor",
    ),
    (
        RoleWord("supervisor", "区级管理员", street=False, team=False),
        "区级管理员 区级监管 区级调度 指挥调度 districtsupervisor supervisor",
    ),
    (RoleWord("admin", "系统管理员", street=None, team=False), "系统管理员 管理员 admin"),
    (RoleWord("legal", "法制审核", street=None, team=False), "法制审核 法制审核员 legal"),
    (RoleWord("oversight", "执法监督", street=None, team=False), "执法监督 监督 oversight"),
)
ROLE_WORDS = {word.lower(): role for role, words in _ROLES for word in words.split()}

# One example row per sheet for the empty template, and what the notes sheet explains.
EXAMPLES = {
    "streets": ("hubin", "湖滨街道", "街道", 120.168, 30.259, "WGS84"),
    "departments": ("scjg", "市场监管", "是"),
    "teams": ("hubin-zh", "湖滨综合行政执法队", "hubin", "zhzf"),
    "officers": (
        "zhang.san",
        "张三",
        "执法人员",
        "hubin-zh",
        "zhzf",
        "33010012345",
        "2023-07-01",
        "2028-06-30",
        "",
    ),
}
NOTES = (
    "组织机构导入模板：每类数据一个工作表，表头可用中文或英文，示例行请替换为实际数据。",
    "街道：代码唯一；类型填“街道”或“派驻”；"
    "办公点坐标默认 WGS-84，高德/腾讯坐标请在“坐标系”填 GCJ-02。",
    "部门：代码唯一，如 scjg（市场监管）、xf（消防）；专业执法 填“是”表示该部门有区级专业执法队，"
    "街道无权办理其事项时，其执法人员随街道执法队联合检查。",
    "队伍：街道留空表示区级队伍；街道、部门填代码或名称。",
    "人员：角色填 执法人员、街道管理员、区级管理员、系统管理员、法制审核 或 执法监督；"
    "执法人员和街道管理员须填队伍；部门可留空（取队伍所属部门），不在队伍的人员可填所属部门；"
    "证件生效日、证件有效期至 填日期，如 2028-06-30。",
    "导入的人员没有密码，由系统管理员设置后方可登录。同一文件重复导入不会改变数据。",
)
