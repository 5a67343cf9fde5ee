"""The events the platform raises notifications for, with sample data to render templates.

Templates (from plugins or tenant overrides) may use exactly the variables of their event's
sample; the conformance kit renders every template with this sample under ``StrictUndefined``.
"""

from __future__ import annotations

_PERSON = {"real_name": "张三", "username": "zhangsan", "tenant_name": "学分银行"}

EVENTS: dict[str, dict] = {
    "code.activation": {**_PERSON, "code": "123456", "minutes": 10},
    "code.register": {**_PERSON, "code": "123456", "minutes": 10},
    "code.reset": {**_PERSON, "code": "123456", "minutes": 10},
    # a staff member's code lasts a day (``valid_for``); ``activate_url`` is where to use it
    "staff.invited": {**_PERSON, "code": "123456", "minutes": 1440, "valid_for": "24小时", "unit_name": "某教学点",
                      "login_url": "https://example.org/login", "activate_url": "https://example.org/activate"},
    # a learner's account opened at a service window: who opened it, where to activate
    "account.opened": {**_PERSON, "code": "123456", "minutes": 10, "unit_name": "某受理点",
                       "activate_url": "https://example.org/activate"},
    "account.reviewed": {**_PERSON, "approved": True, "opinion": "资料齐全"},
    "account.closure_decided": {**_PERSON, "approved": True, "opinion": ""},
    "recognition.decided": {**_PERSON, "achievement": "某成果", "approved": True, "opinion": "同意"},
    "conversion.step_passed": {**_PERSON, "achievement": "某成果", "target": "某课程", "target_institution": "某大学", "step_label": "初审"},
    "conversion.approved": {**_PERSON, "achievement": "某成果", "target": "某课程", "target_institution": "某大学", "login_url": "https://example.org/login"},
    "conversion.rejected": {**_PERSON, "achievement": "某成果", "target": "某课程", "target_institution": "某大学", "opinion": "材料不全"},
    "proof.issued": {**_PERSON, "proof_code": "ABCD-1234", "verify_url": "https://example.org/verify/ABCD-1234"},
    # an outcome entered for the learner at a service window (信息采集); ``count`` > 1 for a batch
    "achievement.collected": {**_PERSON, "achievement": "某培训", "count": 1, "unit_name": "某受理点",
                              "login_url": "https://example.org/login"},
    "dispute.decided": {**_PERSON, "achievement": "某培训", "upheld": True, "unit_name": "某受理点",
                        "opinion": "经核实录入有误，已作废"},
    "appeal.decided": {**_PERSON, "overturned": True, "opinion": "原审核依据不足，予以改判"},
    "review.digest": {**_PERSON, "due": 5, "overdue": 1, "escalated": 2, "within_days": 2,
                      "login_url": "https://example.org/staff/reviews"},
    "review.escalated": {**_PERSON, "unit_name": "某受理点", "kind_label": "认定申请", "step_label": "受理点认定审核",
                         "learner_name": "李四", "days_overdue": 3, "login_url": "https://example.org/staff/reviews"},
}
