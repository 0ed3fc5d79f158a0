"""The guardian-consent policy families accept when they register children (PIPL Art. 31)."""

from app.kernel.values import frozen


@frozen
class ConsentPolicy:
    version: str
    scope: str
    responsible_person: str
    text: str


CURRENT_POLICY = ConsentPolicy(
    version="2026-01",
    scope="children_personal_information",
    responsible_person="东城区妇联家庭教育工作部 个人信息保护负责人（电话 010-6400 0000）",
    text=(
        "为了为您的家庭提供空间预约、扫码签到、绘本借阅和亲子阅读记录服务，"
        "我们需要处理您和孩子的以下信息：监护人姓名、手机号，孩子的昵称和出生年月。"
        "根据《中华人民共和国个人信息保护法》第三十一条，不满十四周岁未成年人的个人信息属于敏感个人信息，"
        "须经其监护人同意方可处理。我们只为上述目的使用这些信息，不用于商业营销，不向第三方提供；"
        "统计数据只以匿名、汇总的形式使用。您可以随时在“我的家庭”中查看、导出或删除家庭信息；"
        "删除后，个人信息将被清除，仅保留不能识别个人的统计数据。"
    ),
)
