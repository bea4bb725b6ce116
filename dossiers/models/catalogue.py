"""The award catalogue as data: rule versions by effective date (legal basis, quorum, notice days, SLA, reward
multipliers), each with its titles and forms and their eligibility rules."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from councils.registry import Threshold, ThresholdBase


class AwardLevel(models.TextChoices):
    GRASSROOTS = "grassroots", _("Cơ sở")
    CITY = "city", _("Thành phố")
    STATE = "state", _("Nhà nước")


class RecipientKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Cá nhân")
    COLLECTIVE = "collective", _("Tập thể")
    HOUSEHOLD = "household", _("Hộ gia đình")
    ANY = "any", _("Cá nhân hoặc tập thể")


class AwardRoute(models.TextChoices):
    UNIT_DECIDES = "unit_decides", _("Đơn vị tự quyết định")
    CITY_DECIDES = "city_decides", _("Chủ tịch UBND thành phố quyết định")
    PROPOSE_CENTRAL = "propose_central", _("Thành phố đề nghị Trung ương")


class OccasionKind(models.TextChoices):
    ANNUAL = "annual", _("Thường xuyên (tổng kết năm)")
    THEMATIC = "thematic", _("Theo chuyên đề, sơ kết, tổng kết phong trào")
    SUDDEN = "sudden", _("Đột xuất")
    TENURE = "tenure", _("Quá trình cống hiến")
    FOREIGN = "foreign", _("Đối ngoại")


class DocumentKind(models.TextChoices):
    SUBMISSION_LETTER = "submission_letter", _("Tờ trình")
    ACHIEVEMENT_REPORT = "achievement_report", _("Báo cáo thành tích (có xác nhận của cấp trình)")
    UNIT_COUNCIL_MINUTES = "unit_council_minutes", _("Biên bản họp bình xét của hội đồng đơn vị")
    BALLOT_MINUTES = "ballot_minutes", _("Biên bản kiểm phiếu bỏ phiếu kín")
    INITIATIVE_PROOF = "initiative_proof", _("Chứng nhận sáng kiến, đề tài (hiệu quả và phạm vi ảnh hưởng)")
    SUDDEN_ACHIEVEMENT_PROOF = "sudden_achievement_proof", _("Minh chứng thành tích đột xuất, đặc biệt")
    CONSULTATION_OPINION = "consultation_opinion", _("Ý kiến hiệp y")
    OTHER = "other", _("Tài liệu khác")


def in_force_q(day: date) -> Q:
    """Rows whose [effective_from, effective_to] holds `day` (a row without effective_from is a draft)."""
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def ranges_overlap_q(start: date, end: date | None) -> Q:
    """Rows whose dated range meets [start, end] (end None: open-ended); drafts never overlap."""
    q = Q(effective_from__isnull=False) & (Q(effective_to__isnull=True) | Q(effective_to__gte=start))
    return q & Q(effective_from__lte=end) if end is not None else q


#: The kinds of state-level nominee a version lists its required hiệp y agencies for
#: (RuleVersion.consultation_agencies; dossiers.consultation.recipient_category).
CONSULTATION_CATEGORIES = {
    "individual": _("Cá nhân"),
    "collective": _("Tập thể"),
    "enterprise_individual": _("Cá nhân thuộc doanh nghiệp (người đứng đầu, người lao động)"),
    "enterprise_collective": _("Doanh nghiệp (tập thể)"),
}


def validate_consultation_agencies(value) -> None:
    """{category: [agency code, …]}: known categories, known agencies, each once."""
    from .central import ConsultationAgency

    if not isinstance(value, dict):
        raise ValidationError(_("Ghi theo từng loại đối tượng: danh sách mã cơ quan hiệp y."))
    for category, agencies in value.items():
        if category not in CONSULTATION_CATEGORIES:
            raise ValidationError(
                _("Loại đối tượng «%(category)s» không có; dùng: %(known)s.")
                % {"category": category, "known": ", ".join(CONSULTATION_CATEGORIES)}
            )
        if not isinstance(agencies, list) or any(code not in ConsultationAgency.values for code in agencies):
            raise ValidationError(
                _("%(category)s: chọn cơ quan hiệp y trong danh sách.")
                % {"category": CONSULTATION_CATEGORIES[category]}
            )
        if len(set(agencies)) != len(agencies):
            raise ValidationError(
                _("%(category)s: mỗi cơ quan chỉ ghi một lần.")
                % {"category": CONSULTATION_CATEGORIES[category]}
            )


class RuleVersionQuerySet(models.QuerySet):
    def effective_on(self, day: date):
        return self.filter(in_force_q(day))


class RuleVersion(models.Model):
    """One version of the emulation and commendation rules, in force between two dates, with its legal basis.

    A version holds the values the law or the Board sets for a period: quorum, default public-notice days, the
    working days each dossier step may take (SLA), the reward multipliers and the agencies whose hiệp y a
    state-level proposal needs, per kind of nominee (`consultation_agencies`, dossiers.consultation); its award
    types (AwardType) hold the thresholds, documents and eligibility rules. `assumptions` lists the values that are not confirmed
    from a source ({"field": path, "note": why}), shown on the rules page. A version without effective_from is
    a draft the Board is preparing. Versions never overlap (dossiers.rule_versions; on PostgreSQL also an
    exclusion constraint, migration 0016)."""

    code = models.SlugField(_("mã phiên bản"), max_length=40, unique=True)
    name = models.CharField(_("tên phiên bản"), max_length=255)
    legal_basis = models.JSONField(
        _("căn cứ pháp lý"),
        default=list,
        blank=True,
        help_text=_(
            "Danh sách văn bản: số hiệu (number), ngày ban hành (date, YYYY-MM-DD), trích yếu (title)."
        ),
    )
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    quorum_numerator = models.PositiveSmallIntegerField(_("tỷ lệ tối thiểu có mặt (tử số)"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("tỷ lệ tối thiểu có mặt (mẫu số)"), default=3)
    public_notice_days = models.PositiveSmallIntegerField(
        _("số ngày làm việc công khai (mặc định)"), default=10
    )
    sla_working_days = models.JSONField(
        _("thời hạn từng bước (ngày làm việc)"),
        default=dict,
        blank=True,
        help_text=_("Theo bước: submitted, accepted, appraised, voted, decided, decision_after_notice."),
    )
    reward_multipliers = models.JSONField(
        _("hệ số mức tiền thưởng"),
        default=dict,
        blank=True,
        help_text=_("Theo mã danh hiệu, hình thức: hệ số nhân với mức lương cơ sở."),
    )
    consultation_agencies = models.JSONField(
        _("cơ quan phải hiệp y"),
        default=dict,
        blank=True,
        validators=[validate_consultation_agencies],
        help_text=_(
            "Theo loại đối tượng đề nghị khen thưởng cấp Nhà nước (individual, collective, enterprise_individual, "
            "enterprise_collective): danh sách mã cơ quan hiệp y bắt buộc (tax, social_insurance, environment, "
            "labour, party_committee, police)."
        ),
    )
    assumptions = models.JSONField(
        _("giá trị chưa được xác nhận"),
        default=list,
        blank=True,
        help_text=_("Danh sách {field, note}: giá trị giả định, chưa đối chiếu được với văn bản."),
    )
    note = models.TextField(_("ghi chú"), blank=True)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiên bản quy định khen thưởng")
        verbose_name_plural = _("phiên bản quy định khen thưởng")
        ordering = [models.F("effective_from").asc(nulls_last=True), "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | (Q(effective_from__isnull=False) & Q(effective_to__gte=models.F("effective_from"))),
                name="ruleversion_effective_range",
            ),
            models.CheckConstraint(
                condition=Q(quorum_denominator__gt=0)
                & Q(quorum_numerator__lte=models.F("quorum_denominator")),
                name="ruleversion_quorum_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from dossiers.rule_versions import version_overlap_errors

        super().clean()
        errors = version_overlap_errors(self)
        if errors:
            raise ValidationError(errors)

    def sla_days(self, step: str) -> int | None:
        value = (self.sla_working_days or {}).get(step)
        return int(value) if value not in (None, "") else None

    def assumed(self, path: str) -> str | None:
        """The note of an assumed value (None when the value is confirmed)."""
        for item in self.assumptions or []:
            if item.get("field") == path:
                return item.get("note") or ""
        return None


class AwardTypeQuerySet(models.QuerySet):
    def effective_on(self, day: date):
        """Versions in force on `day` (effective_from ≤ day ≤ effective_to)."""
        return self.filter(in_force_q(day))


class AwardType(models.Model):
    """One emulation title or commendation form of one rule version; its effective dates are the version's
    (copied here by dossiers.rule_versions so the catalogue can be filtered and constrained by date)."""

    rule_version = models.ForeignKey(
        RuleVersion,
        verbose_name=_("phiên bản quy định"),
        on_delete=models.PROTECT,
        related_name="awards",
        null=True,
        blank=True,
    )
    code = models.SlugField(_("mã"), max_length=40)
    name = models.CharField(_("tên danh hiệu, hình thức"), max_length=255)
    level = models.CharField(_("cấp"), max_length=16, choices=AwardLevel.choices)
    recipient_kind = models.CharField(_("đối tượng"), max_length=16, choices=RecipientKind.choices)
    deciding_authority = models.CharField(_("thẩm quyền quyết định"), max_length=255)
    route = models.CharField(_("đường trình"), max_length=20, choices=AwardRoute.choices)
    occasion_kinds = models.JSONField(
        _("loại khen thưởng được phép"),
        default=list,
        blank=True,
        help_text=_("Danh sách mã: annual, thematic, sudden, tenure, foreign."),
    )
    required_documents = models.JSONField(
        _("thành phần hồ sơ bắt buộc"), default=list, blank=True, help_text=_("Danh sách mã loại tài liệu.")
    )
    vote_threshold_percent = models.DecimalField(
        _("tỷ lệ phiếu đồng ý (%)"), max_digits=5, decimal_places=2, default=50
    )
    vote_threshold_base = models.CharField(
        _("cơ sở tính tỷ lệ"),
        max_length=20,
        choices=ThresholdBase.choices,
        default=ThresholdBase.TOTAL_MEMBERS,
    )
    vote_threshold_strict = models.BooleanField(_("phải vượt (>) tỷ lệ"), default=False)
    secret_ballot = models.BooleanField(_("bỏ phiếu kín"), default=True)
    public_notice_required = models.BooleanField(_("phải công khai"), default=False)
    public_notice_days = models.PositiveSmallIntegerField(_("số ngày làm việc công khai"), default=10)
    post_after_vote = models.BooleanField(
        _("công khai sau khi hội đồng xét"),
        default=True,
        help_text=_(
            "Quy định của Ban: đối tượng được hội đồng thông qua được công khai trước khi Chủ tịch quyết định. "
            "Khi không đối tượng nào của hồ sơ cần, Chủ tịch quyết định ngay sau khi hội đồng xét."
        ),
    )
    legal_source = models.CharField(_("căn cứ pháp lý"), max_length=255, blank=True)
    effective_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    effective_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = AwardTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("danh hiệu, hình thức khen thưởng")
        verbose_name_plural = _("danh mục khen thưởng")
        ordering = ["level", "name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"], name="awardtype_code_version"),
            models.UniqueConstraint(fields=["rule_version", "code"], name="awardtype_code_in_rule_version"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="awardtype_effective_range",
            ),
            models.CheckConstraint(
                condition=Q(vote_threshold_percent__gte=0) & Q(vote_threshold_percent__lte=100),
                name="awardtype_threshold_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from dossiers.rule_versions import award_overlap_errors

        super().clean()
        errors = award_overlap_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def decided_centrally(self) -> bool:
        return self.route == AwardRoute.PROPOSE_CENTRAL

    def threshold(self) -> Threshold:
        """The council's pass rule for this award, in the form the councils app reads."""
        return Threshold(
            percent=self.vote_threshold_percent,
            base=self.vote_threshold_base,
            strict=self.vote_threshold_strict,
            secret_ballot=self.secret_ballot,
        )

    def accepts(self, recipient_kind: str) -> bool:
        return self.recipient_kind == recipient_kind or (
            self.recipient_kind == RecipientKind.ANY and recipient_kind != RecipientKind.HOUSEHOLD
        )


class RuleKind(models.TextChoices):
    RATING_MIN = "rating_min", _("Xếp loại trong năm đạt tối thiểu")
    CONSECUTIVE_TITLES = "consecutive_titles", _("Số năm liên tục đạt danh hiệu")
    INITIATIVE_SCOPE = "initiative_scope", _("Sáng kiến, đề tài được công nhận đủ phạm vi")
    PRIOR_AWARD = "prior_award", _("Đã được khen thưởng trước đó")
    MIN_INTERVAL_YEARS = "min_interval_years", _("Khoảng cách tối thiểu giữa hai lần khen")
    RATING_STREAK = "rating_streak", _("Số năm liên tục hoàn thành tốt nhiệm vụ trở lên")
    TITLE_COUNT = "title_count", _("Số lần đạt danh hiệu trong giai đoạn")
    COLLECTIVE_RATIO = "collective_ratio", _("Tỷ lệ thành viên của tập thể")
    NO_HOLD = "no_hold", _("Không đang bị kỷ luật, thanh tra, khiếu nại")
    ANY_OF = "any_of", _("Đạt một trong các điều kiện")
    ALL_OF = "all_of", _("Đạt đồng thời các điều kiện")


class RuleSeverity(models.TextChoices):
    BLOCKING = "blocking", _("Lỗi chặn (không được trình)")
    WARNING = "warning", _("Cảnh báo")


class EligibilityRule(models.Model):
    """One checkable condition of an award version; parameters per kind (see dossiers.eligibility)."""

    award = models.ForeignKey(
        AwardType, verbose_name=_("danh hiệu, hình thức"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("loại điều kiện"), max_length=32, choices=RuleKind.choices)
    parameters = models.JSONField(_("tham số"), default=dict, blank=True)
    severity = models.CharField(
        _("mức độ"), max_length=16, choices=RuleSeverity.choices, default=RuleSeverity.BLOCKING
    )
    description = models.CharField(_("mô tả điều kiện"), max_length=500)
    legal_source = models.CharField(_("căn cứ pháp lý"), max_length=255)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("điều kiện xét khen")
        verbose_name_plural = _("điều kiện xét khen")
        ordering = ["award", "position", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def is_blocking(self) -> bool:
        return self.severity == RuleSeverity.BLOCKING
