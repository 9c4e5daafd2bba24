"""The organisation workbook's sheets, their columns and the words its cells may use.

docs/data-import.md describes the workbook for the people who fill it in.
"""

from server.core.workbook import Table

__all__ = [
    "DEPARTMENTS",
    "KINDS",
    "OFFICERS",
    "ROLE_LABELS",
    "ROLE_WORDS",
    "SHEETS",
    "STREETS",
    "TEAMS",
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
        "street": "街道 所属街道 street",
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


# 角色: the word the export writes for each role as the console and `onevisit users` type it
# (server/org/user_rules.py, ROLE_INPUTS), and the other words a cell may use for it.
ROLE_LABELS = {
    "inspector": "执法人员",
    "street_supervisor": "街道管理员",
    "district_supervisor": "区级管理员",
    "admin": "系统管理员",
    "legal": "法制审核",
    "oversight": "执法监督",
}
_ROLE_WORDS = {
    "inspector": "检查人员 inspector",
    "street_supervisor": "街道监管 街道调度 streetsupervisor",
    "district_supervisor": "区级监管 区级调度 指挥调度 districtsupervisor supervisor",
    "admin": "管理员 admin",
    "legal": "法制审核员 legal",
    "oversight": "监督 oversight",
}
ROLE_WORDS = {
    word.lower(): typed
    for typed, label in ROLE_LABELS.items()
    for word in (label, *_ROLE_WORDS[typed].split())
}

# One example row per sheet for the empty template, and what the notes sheet explains.
EXAMPLES = {
    "streets": ("hubin", "湖滨街道", "街道", 120.168, 30.259, "WGS84"),
    "departments": ("scjg", "市场监管", "是"),
    "teams": ("hubin-zh", "湖滨综合行政执法队", "hubin", "zhzf"),
    "officers": (
        "zhang.san",
        "张三",
        "执法人员",
        "",
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
    "执法人员须填队伍（街道的执法队或部门的区级执法队），街道管理员须填街道或该街道的队伍，"
    "区级管理员不填街道；街道、部门可留空（取队伍所属街道、部门），不在队伍的人员可填所属街道、部门；"
    "用户名只能由英文字母、数字和 . _ @ - 组成，不能与已有用户名重复（不区分大小写）；"
    "证件生效日、证件有效期至 填日期，如 2028-06-30。",
    "导入的人员没有密码，由系统管理员设置后方可登录。同一文件重复导入不会改变数据。",
)
