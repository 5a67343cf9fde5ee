"""Review chains in Gansu: the national OUC chains, routed to the provincial school.

- store_review: the provincial school's academic office (省校教务处) reviews every stored
  outcome within 10 working days; branch schools, direct stations, the open-education college
  and teaching points only guide learners.
- conversion and certificate: the local learning-outcome certification centre is the one at the
  provincial school (国家开放大学学分银行甘肃学习成果认证中心, hosted by 甘肃广播电视大学).
"""

from __future__ import annotations

from plugins.national_ouc.reviews import make_chains

REVIEW_LEVEL = "provincial_school"

CHAINS = make_chains(
    level=REVIEW_LEVEL,
    store_label="省校教务处存储审核",
    conversion_label="省校学习成果认证中心转换审核",
    certificate_label="省校学习成果认证中心出具认证证明",
    store_example="审核意见：不同意，证书编号与扫描件不一致，请核对后重新提交。",
)
