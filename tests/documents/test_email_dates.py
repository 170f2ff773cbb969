"""The e-mails a business receives write their dates as Chinese text does (2026年7月3日), never
in ISO form: the issued certificate's cover, a status notice's cover and the renewal reminder."""

from __future__ import annotations

import datetime as dt
import re

from certificates.status import CertificateState
from documents.emails import certificate_issued, renewal_reminder, status_notice

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
AUTHORITY = "湖北省市场监督管理局"


def test_a_business_reads_its_dates_in_chinese_form_in_every_e_mail(make_data):
    number = "鄂七日〔2026〕第420100-000007号"
    bodies = [
        certificate_issued(make_data(), AUTHORITY)[1],
        status_notice(
            "seven_day_return",
            "武汉汉正街服饰有限公司",
            number,
            CertificateState.suspended,
            dt.date(2026, 7, 3),
            "暗访拒绝无理由退货",
            AUTHORITY,
        )[1],
        renewal_reminder(
            program="seven_day_return",
            business_name="武汉汉正街服饰有限公司",
            number_zh=number,
            valid_until=dt.date(2028, 6, 30),
            days=60,
            link="https://example.gov.cn/portal",
            authority=AUTHORITY,
        )[1],
    ]
    assert [ISO.findall(b) for b in bodies] == [[], [], []]
    assert "自 2026年7月3日起暂停" in bodies[1] and "将于 2028年6月30日 到期" in bodies[2]
    assert re.search(r"有效期 \d{4}年\d{1,2}月\d{1,2}日至\d{4}年\d{1,2}月\d{1,2}日。", bodies[0])
