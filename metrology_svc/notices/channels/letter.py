"""The printable notice letter: an official document (metrology_svc.documents) per kind.

The letter is written from the notice itself, not from the e-mail text: Kính gửi once, the legal
bases once (number, date, issuer), what the instrument may not be used for until verified, the
instrument table, the deadline and, for owners, the short acknowledgement link. English-language
owners get the same frame in English. Letters to inspectors go to the State inspection team and
the commune's economic office, never back to the office that issues them.
"""

from dataclasses import dataclass
from datetime import date

from metrology_svc.core.issuer import IssuingBody
from metrology_svc.documents.render import DocumentTable, OfficialDocument, render_document
from metrology_svc.documents.rules import (
    DOC_TYPES,
    Language,
    LegalBasis,
    basis_line,
    date_line,
    english_date,
    number_text,
    short_date,
    signer_words,
)

DOC_TYPE = "TB"  # thông báo

LAW = LegalBasis(
    "Luật Đo lường", "the Law on Metrology", "04/2011/QH13", date(2011, 11, 11),
    "Quốc hội", "National Assembly",
)  # fmt: skip
CIRCULAR = LegalBasis(
    "Thông tư", "Circular", "23/2013/TT-BKHCN", date(2013, 9, 26),
    "Bộ trưởng Bộ Khoa học và Công nghệ", "Minister of Science and Technology",
    "quy định về đo lường đối với phương tiện đo nhóm 2, được sửa đổi, bổ sung bởi Thông tư số "
    "07/2019/TT-BKHCN ngày 26 tháng 7 năm 2019 và Thông tư số 03/2024/TT-BKHCN ngày 15 tháng 4 "
    "năm 2024",
    "on metrology of group-2 measuring instruments, as amended by Circular No. 07/2019/TT-BKHCN "
    "of 26 July 2019 and Circular No. 03/2024/TT-BKHCN of 15 April 2024",
)  # fmt: skip
# The penalty decree the office cites for using an unverified instrument in trade.
PENALTIES = LegalBasis(
    "Nghị định", "Decree", "119/2017/NĐ-CP", date(2017, 11, 1), "Chính phủ", "Government",
    "quy định về xử phạt vi phạm hành chính trong lĩnh vực tiêu chuẩn, đo lường và chất lượng "
    "sản phẩm, hàng hóa, được sửa đổi, bổ sung bởi Nghị định số 126/2021/NĐ-CP ngày 30 tháng 12 "
    "năm 2021",
    "on administrative penalties in standards, metrology and product and goods quality, as "
    "amended by Decree No. 126/2021/NĐ-CP of 30 December 2021",
)  # fmt: skip
# Kinds about an instrument that may not be used in trade now: they cite the penalties.
NOT_IN_TRADE = {"overdue_recall", "failed_verification", "lost_stamp", "recall_escalation"}

SUBJECTS = {
    "due_soon": ("kiểm định định kỳ phương tiện đo sắp đến hạn",
                 "periodic verification of a measuring instrument falling due"),
    "overdue_recall": ("phương tiện đo quá hạn kiểm định không được sử dụng trong mua bán",
                       "an instrument past its verification date may not be used in trade"),
    "failed_verification": ("phương tiện đo không đạt yêu cầu kiểm định",
                            "a measuring instrument that failed verification"),
    "recall_escalation": ("đề nghị kiểm tra phương tiện đo quá hạn kiểm định",
                          "request to inspect an instrument past its verification date"),
    "suspect_seller": ("đề nghị kiểm tra đột xuất về đo lường",
                       "request for an out-of-cycle metrology inspection"),
    "lost_stamp": ("kiểm định sau sửa chữa do mất tem kiểm định",
                   "after-repair verification following a lost verification stamp"),
    "control_offline": ("cân đối chứng không gửi dữ liệu", "control scale not reporting"),
    "control_out_of_tolerance": ("cân đối chứng vượt sai số cho phép",
                                 "control scale outside the permitted error"),
}  # fmt: skip

_RULE_VI = (
    "Theo các quy định nêu trên, phương tiện đo nhóm 2 dùng trong mua bán phải được kiểm định; "
    "phương tiện đo chưa được kiểm định, quá hạn kiểm định hoặc không đạt yêu cầu kiểm định "
    "không được sử dụng trong mua bán cho đến khi được kiểm định đạt yêu cầu."
)
_RULE_EN = (
    "Under the provisions cited above, a group-2 measuring instrument used in trade must be "
    "verified; an instrument that is not verified, is past its verification date or failed "
    "verification may not be used in trade until it passes verification."
)
FACTS_VI = {
    "due_soon": "Phương tiện đo dưới đây hết hạn kiểm định vào ngày {due}.",
    "overdue_recall": "Phương tiện đo dưới đây đã quá hạn kiểm định từ ngày {due}.",
    "failed_verification": "Phương tiện đo dưới đây không đạt yêu cầu kiểm định ngày {due}.",
    "recall_escalation": (
        "Phương tiện đo dưới đây đã quá hạn kiểm định từ ngày {due}; chủ phương tiện đo chưa "
        "xác nhận đã nhận thông báo ngừng sử dụng trong mua bán."
    ),
    "suspect_seller": (
        "Dữ liệu cân đối chứng tại {site} đến ngày {due} cho thấy dấu hiệu cân thiếu."
    ),
    "lost_stamp": "Tem kiểm định của phương tiện đo dưới đây bị mất hoặc hư hỏng (ngày {due}).",
    "control_offline": "Cân đối chứng tại {site} không gửi dữ liệu từ ngày {due}.",
    "control_out_of_tolerance": (
        "Cân đối chứng tại {site} tự kiểm tra không đạt sai số cho phép (ngày {due})."
    ),
}
FACTS_EN = {
    "due_soon": "The verification of the instrument below expires on {due}.",
    "overdue_recall": "The instrument below has been past its verification date since {due}.",
    "failed_verification": "The instrument below failed its verification on {due}.",
    "recall_escalation": (
        "The instrument below has been past its verification date since {due}; its owner has "
        "not acknowledged the notice that it may not be used in trade."
    ),
    "suspect_seller": "The control scale's records at {site} up to {due} suggest short weighing.",
    "lost_stamp": "The verification stamp of the instrument below was lost or damaged ({due}).",
    "control_offline": "The control scale at {site} has sent no data since {due}.",
    "control_out_of_tolerance": "The control scale at {site} failed its self-check on {due}.",
}
ASKS = {  # (to the owner, to the inspectors), Vietnamese then English
    "due_soon": ("Đề nghị Quý ông/bà đăng ký kiểm định định kỳ trước ngày {due}.",
                 "Please book its periodic verification before {due}.", "", ""),
    "overdue_recall": ("Đề nghị Quý ông/bà không sử dụng phương tiện đo này trong mua bán và đưa "
                       "đi kiểm định.", "Please do not use this instrument in trade and have it "
                       "verified.", "", ""),
    "failed_verification": ("Đề nghị Quý ông/bà không sử dụng phương tiện đo này trong mua bán, "
                            "sửa chữa và kiểm định lại.", "Please do not use this instrument in "
                            "trade; have it repaired and verified again.",
                            "Đề nghị theo dõi việc ngừng sử dụng phương tiện đo này.",
                            "Please see that this instrument is no longer used in trade."),
    "recall_escalation": ("", "", "Đề nghị kiểm tra việc sử dụng phương tiện đo này tại nơi "
                          "sử dụng và xử lý theo quy định.", "Please inspect the use of this "
                          "instrument at its place of use and act as the law provides."),
    "suspect_seller": ("", "", "Đề nghị kiểm tra đột xuất tại {site}.",
                       "Please carry out an out-of-cycle inspection at {site}."),
    "lost_stamp": ("Đề nghị Quý ông/bà đưa phương tiện đo đi kiểm định sau sửa chữa trước khi "
                   "tiếp tục sử dụng trong mua bán.", "Please have it given an after-repair "
                   "verification before using it in trade again.", "", ""),
    "control_offline": ("Đề nghị kiểm tra nguồn điện và kết nối của cân đối chứng.",
                        "Please check the control scale's power and connection.",
                        "Đề nghị kiểm tra cân đối chứng.", "Please check the control scale."),
    "control_out_of_tolerance": ("Kết quả cân lại trên cân đối chứng không được dùng làm căn "
                                 "cứ cho đến khi cân được kiểm định lại đạt yêu cầu.",
                                 "Its re-weighings are not evidence until it passes a new "
                                 "verification.", "Đề nghị kiểm tra cân đối chứng.",
                                 "Please check the control scale."),
}  # fmt: skip
DEADLINES = {  # (Vietnamese, English); {due} is the due date
    "due_soon": ("trước ngày {due}", "before {due}"),
    "overdue_recall": ("ngừng sử dụng trong mua bán kể từ ngày nhận thông báo này",
                       "stop using it in trade from receipt of this notice"),
    "failed_verification": ("ngừng sử dụng trong mua bán kể từ ngày nhận thông báo này",
                            "stop using it in trade from receipt of this notice"),
    "lost_stamp": ("trước khi tiếp tục sử dụng", "before using it again"),
}  # fmt: skip


@dataclass(frozen=True)
class LetterContent:
    """What a notice letter says, from the notice (the wording per kind lives in this module)."""

    issuer: IssuingBody
    language: Language
    kind: str
    to_owner: bool
    recipients: tuple[str, ...]  # "Kính gửi": the owner, or the inspectors and commune office
    recipient_address: str
    issued_on: date
    due_date: date
    register_no: int | None  # from the document register; None: left blank for the clerk
    issuer_abbreviation: str  # in the number: "SKHCN"
    instrument: tuple[str, str, str, str]  # type, make and model, serial, place of use
    signer: tuple[str, ...]  # authority and position
    signer_name: str
    copies_to: tuple[str, ...] = ()  # "Nơi nhận" besides the recipients and the archive
    archive: str = "VT"
    ack_url: str = ""

    @property
    def number(self) -> str:
        """Return the number line ("Số: 12/TB-SKHCN"; blank number before registration)."""
        no = str(self.register_no) if self.register_no is not None else "      "
        label = "Số" if self.language == "vi" else "No."
        if self.register_no is None:
            return f"{label}: {no}/{DOC_TYPE}-{self.issuer_abbreviation}"
        return number_text(
            number=self.register_no,
            doc_type=DOC_TYPE,
            issuer=self.issuer_abbreviation,
            language=self.language,
        )


def _date(content: LetterContent, day: date) -> str:
    return short_date(day) if content.language == "vi" else english_date(day)


_PLACE_TYPES_EN = (
    ("thành phố ", "City"),
    ("tỉnh ", "Province"),
    ("phường ", "Ward"),
    ("xã ", "Commune"),
    ("đặc khu ", "Special Zone"),
    ("thị trấn ", "Township"),
)


def english_place(full: str) -> str:
    """Return a unit's name the English way: "phường Sông Trí" → "Sông Trí Ward"."""
    for prefix, kind in _PLACE_TYPES_EN:
        if full.lower().startswith(prefix):
            return f"{full[len(prefix) :]} {kind}"
    return full


def _keep(words: str) -> str:
    """Join a name's words with no-break spaces, so a heading never splits a place name."""
    return words.replace(" ", "\u00a0")


def _heading(content: LetterContent) -> tuple[str, ...]:
    issuer = content.issuer
    if content.language == "vi":
        return issuer.heading
    if issuer.level == "province":
        body = issuer.name_en.split(",")[0]
        return (f"People's Committee of {_keep(issuer.place)} Province", body)
    head, found, place = issuer.name_en.rpartition(" of ")
    return (f"{head} of {_keep(english_place(place))}",) if found else (issuer.name_en,)


def _text(content: LetterContent) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the body paragraphs and the closing ones (deadline, acknowledgement link)."""
    vi = content.language == "vi"
    due = _date(content, content.due_date)
    site = content.instrument[3]
    fact = (FACTS_VI if vi else FACTS_EN).get(content.kind, "")
    ask = ASKS.get(content.kind, ("", "", "", ""))
    ask_text = ask[(0 if content.to_owner else 2) + (0 if vi else 1)]
    body = [fact.format(due=due, site=site)]
    if content.kind in NOT_IN_TRADE:
        body.append(_RULE_VI if vi else _RULE_EN)
    if ask_text:
        body.append(ask_text.format(due=due, site=site))
    closing = []
    deadline = DEADLINES.get(content.kind)
    if deadline and content.to_owner:
        label, words = ("Thời hạn thực hiện", deadline[0]) if vi else ("Deadline", deadline[1])
        closing.append(f"{label}: {words.format(due=due)}.")
    if content.ack_url:
        closing.append(
            f"Xác nhận đã nhận thông báo tại: {content.ack_url}"
            if vi
            else f"Please acknowledge this notice at: {content.ack_url}"
        )
    return tuple(p for p in body if p), tuple(closing)


def letter_document(content: LetterContent) -> OfficialDocument:
    """Return the official document a notice letter is."""
    lang = content.language
    vi = lang == "vi"
    bases = [LAW, CIRCULAR] + ([PENALTIES] if content.kind in NOT_IN_TRADE else [])
    body, closing = _text(content)
    header = (
        ("TT", "Phương tiện đo", "Hãng, kiểu", "Số sản xuất", "Nơi sử dụng")
        if vi
        else ("No.", "Instrument", "Make, model", "Serial", "Place of use")
    )
    subject = SUBJECTS.get(content.kind, ("", ""))[0 if vi else 1]
    own = ("- Như trên;" if vi else "- As above;", *(f"- {c};" for c in content.copies_to))
    filed = f"- Lưu: {content.archive}." if vi else f"- Filed: {content.archive}."
    return OfficialDocument(
        language=lang,
        heading=_heading(content),
        number=content.number,
        date_line=date_line(place=content.issuer.place, day=content.issued_on, language=lang),
        doc_type=DOC_TYPES[DOC_TYPE][0 if vi else 1],
        subject=f"V/v {subject}" if vi else f"Re: {subject}",
        recipients=content.recipients,
        recipient_address=content.recipient_address,
        bases=tuple(basis_line(b, language=lang) for b in bases),
        paragraphs=body,
        table=DocumentTable(
            header=header,
            rows=[("1", *content.instrument)],
            shares=(0.07, 0.25, 0.24, 0.19, 0.25),
        ),
        closing=closing,
        signer=tuple(signer_words(line, language=lang) for line in content.signer),
        signer_name=content.signer_name,
        distribution=(*own, filed),
        title=f"{content.number} {subject}",
        author=content.issuer.name if vi else content.issuer.name_en,
    )


def render_letter(content: LetterContent) -> bytes:
    """Return the letter as PDF bytes."""
    return render_document(letter_document(content))


def _economic_office(commune: str, language: Language) -> str:
    """Return a commune's economic office (a phường's also covers infrastructure and towns)."""
    ward = commune.lower().startswith("phường")
    if language == "vi":
        office = "Phòng Kinh tế, Hạ tầng và Đô thị" if ward else "Phòng Kinh tế"
        return f"{office}, Ủy ban nhân dân {commune}"
    office = "Economic, Infrastructure and Urban Affairs Office" if ward else "Economic Office"
    return f"{office}, People's Committee of {english_place(commune)}"


def inspector_recipients(commune: str, *, language: Language, team: bool) -> tuple[str, ...]:
    """Return whom a letter to inspectors is written to: the commune's economic office, and
    the State inspection team when the commune has no officers of its own (`team`)."""
    if language == "vi":
        name = "Đoàn kiểm tra nhà nước về đo lường"
    else:
        name = "State metrology inspection team"
    office = (_economic_office(commune, language),) if commune else ()
    return (name, *office) if team or not office else office


def owner_copies(commune: str, *, language: Language) -> tuple[str, ...]:
    """Return who else receives an owner's letter: the site's commune, to act with the office."""
    if not commune:
        return ()
    if language == "vi":
        return (f"Ủy ban nhân dân {commune} (để phối hợp)",)
    return (f"People's Committee of {english_place(commune)} (for coordination)",)
