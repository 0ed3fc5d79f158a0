"""The programme's notice kinds (`app.kernel.notices`): the answer to a lead-reader
application. Registered when imported (by `reading.programme.services.applications`)."""

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, register

register(
    NoticeKind(
        "lead_reader_approved",
        N_("领读人申请通过"),
        title=N_("家庭领读人申请已通过"),
        body=N_("欢迎成为见习家庭领读人！参加一次领读人培训后即可开始带读。"),
        link="/lead-reader",
    ),
    NoticeKind(
        "lead_reader_rejected",
        N_("领读人申请结果"),
        title=N_("家庭领读人申请结果"),
        body=N_("感谢您的申请。这次暂未通过。{note}"),
        link="/lead-reader",
    ),
)
