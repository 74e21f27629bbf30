"""The customer-service desk (客服): conversations with buyers on every channel, their
messages, the agents who answer them, the quick replies and forbidden phrases, the
business calendars and service levels, follow-ups, surveys and shift handovers.

A conversation moves only through `service.states` (one transition table); every move
and every order action taken from it is a row of its timeline (ConversationEvent: a code
and its parameters, rendered in the reader's language). Load counters (AgentProfile.
open_count) and daily figures (ServiceDailyFigure) are maintained as things happen, so
that routing and the dashboards never count rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.core import messages
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.service import intent_model
from sellerdesk.shops.models import Shop


class ConversationChannel(models.TextChoices):
    WEB = "web", _("Web chat")
    PHONE = "phone", _("Phone")
    MARKETPLACE = "marketplace", _("Marketplace messages")
    EMAIL = "email", _("Email")


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    # Waiting for the buyer: the service-level clocks are paused.
    PENDING = "pending", _("Waiting for the buyer")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Skill(models.TextChoices):
    PRE_SALE = "pre_sale", _("Pre-sale (售前)")
    AFTER_SALE = "after_sale", _("After-sale (售后)")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


# The intent labels and the fallback (service.intent_model holds the one list).
INTENTS, UNCLASSIFIED = intent_model.INTENTS, intent_model.UNCLASSIFIED
# Intents a pre-sale agent answers; every other intent is after-sale work.
PRE_SALE_INTENTS = frozenset({"price_bargain", "product_question", "payment_problem"})


class Team(models.Model):
    """A group of agents (售前组, 售后组): the inbox's "team" view and team quick replies."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """What routing knows of an agent: skills, shops, languages, a cap of concurrent
    chats, presence, and the number of open conversations assigned now (a counter kept
    by service.routing as conversations are assigned and finished, never counted)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="service_profile")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="agents")
    # Empty: every shop. An agent may act only on the conversations of these shops.
    shops = models.ManyToManyField(Shop, blank=True, related_name="+")
    skills = models.JSONField(_("skills"), default=list, blank=True)  # Skill values
    intents = models.JSONField(_("intents"), default=list, blank=True)  # preferred intents
    languages = models.JSONField(_("languages"), default=list, blank=True)  # "zh-hans", "en"
    max_chats = models.PositiveSmallIntegerField(_("concurrent chats"), default=5)
    presence = models.CharField(max_length=10, choices=Presence.choices, default=Presence.OFFLINE)
    presence_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        indexes = [models.Index(fields=["presence", "open_count"], name="service_agent_load_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_chats__lte=100), name="service_agent_cap_bounded"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class BusinessCalendar(models.Model):
    """Working hours (several periods per day) and the exceptions: public holidays and
    make-up workdays (调休), as dates. Seeded from the chinese_calendar library for the
    years it knows; later years are edited by the owner (service.calendars)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    timezone = models.CharField(max_length=40, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(models.Model):
    """One working period of a weekday (0 = Monday), e.g. 09:00–12:00 and 13:30–18:00."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="service_period_weekday"),
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="service_period_order"),
        ]


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    # A weekend day worked to make up for a holiday (调休上班): it uses the periods of
    # `CalendarDay.periods_of` (Monday unless said otherwise).
    WORKDAY = "workday", _("Make-up workday (调休)")


class CalendarDay(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    periods_of = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="service_calendar_day_unique")]


class SlaPolicy(models.Model):
    """Targets in business seconds (on `calendar`; none: round the clock). The most
    specific active policy wins: shop and channel, then shop, then channel, then none."""

    name = models.CharField(_("name"), max_length=60)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=20, choices=ConversationChannel.choices, blank=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, null=True, blank=True)
    first_reply_seconds = models.PositiveIntegerField(_("first reply within (s)"), default=60)
    next_reply_seconds = models.PositiveIntegerField(_("next reply within (s)"), default=120)
    resolution_seconds = models.PositiveIntegerField(_("resolution within (s)"), default=24 * 3600)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")

    def __str__(self) -> str:
        return self.name


class SlaState(models.TextChoices):
    NONE = "", _("No clock")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    DUE_SOON = "due_soon", _("Due soon")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")


class Conversation(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    # The buyer's current order (placeholders of quick replies, the side panel).
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=20, choices=ConversationChannel.choices)
    # The channel's own thread: the marketplace's session id, the email's first
    # Message-ID, the caller's number. Empty for web chat (one thread per buyer).
    external_thread = models.CharField(max_length=200, blank=True)
    # Who the buyer is on the channel when no customer is known: an address, a number.
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    contact_name = models.CharField(_("name"), max_length=100, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The last agent who had it: a reopened conversation goes back to them when online.
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    intent = models.CharField(max_length=30, blank=True)
    intent_confidence = models.FloatField(default=0.0)
    skill = models.CharField(max_length=12, choices=Skill.choices, blank=True)

    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    # Since when a buyer message waits for an answer (None: nothing waits). Routing
    # serves the longest-waiting first.
    waiting_since = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Buyer messages the agent has not read, agent messages the buyer has not read.
    unread_agent = models.PositiveIntegerField(default=0)
    unread_buyer = models.PositiveIntegerField(default=0)
    last_message_preview = models.CharField(max_length=200, blank=True)

    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The nearest running clock (service.sla keeps them): the inbox filters and sorts on these.
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, blank=True, default="")
    sla_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["status", "assignee", "last_message_at"], name="service_conv_inbox_idx"),
            models.Index(fields=["shop", "status", "last_message_at"], name="service_conv_shop_idx"),
            models.Index(fields=["status", "waiting_since"], name="service_conv_waiting_idx"),
            models.Index(fields=["sla_state", "sla_due_at"], name="service_conv_sla_idx"),
            models.Index(fields=["customer", "created_at"], name="service_conv_customer_idx"),
            models.Index(fields=["channel", "external_thread"], name="service_conv_thread_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact_name or self.contact}"


class MessageKind(models.TextChoices):
    BUYER = "buyer", _("From the buyer")
    AGENT = "agent", _("From an agent")
    NOTE = "note", _("Private note")
    CALL = "call", _("Phone call")
    # Written by the system: an automatic reply, the survey, a notification sent by chat.
    SYSTEM = "system", _("System")


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(blank=True)
    # The channel's id of this message (a marketplace message id, an email Message-ID):
    # the same message pushed twice is stored once.
    channel = models.CharField(max_length=20, choices=ConversationChannel.choices)
    external_id = models.CharField(max_length=200, blank=True)
    intent = models.CharField(max_length=30, blank=True)
    intent_confidence = models.FloatField(default=0.0)
    # An agent sent a draft with a forbidden phrase anyway: why (service.forbidden).
    override_reason = models.CharField(max_length=300, blank=True)
    # For a chat notification of the outbox (notifications.OutgoingMessage.pk).
    outgoing_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Read by the other side (the agent for a buyer message, the buyer for an agent's).
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="service_msg_conv_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="service_msg_external_unique",
            )
        ]


class Attachment(models.Model):
    """An image attached to a message, checked by its content (Pillow), not its name."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="service/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(max_length=200, blank=True)


class PhoneCall(models.Model):
    """A call an agent logged: the number, how long, what was said (the message's body)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="call")
    number = models.CharField(_("number"), max_length=32)
    inbound = models.BooleanField(_("the buyer called"), default=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"))


class ConversationEvent(models.Model):
    """The conversation's timeline: a code and its facts, rendered in the reader's
    language (service.events)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events", db_index=False)
    code = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["conversation", "at"], name="service_event_conv_at_idx")]

    @property
    def text(self) -> str:
        return messages.render({**self.data, "code": self.code})


class SlaKind(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    RESOLUTION = "resolution", _("Resolution")


class SlaClock(models.Model):
    """One service-level clock of a conversation. While paused (waiting for the buyer,
    snoozed) `remaining_seconds` keeps the business seconds left, and `due_at` is empty."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=12, choices=SlaKind.choices)
    target_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.RUNNING)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # Business seconds from start to met (the figures' response and resolution times).
    business_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="service_clock_due_idx")]


class QuickReplyScope(models.TextChoices):
    SHOP = "shop", _("Shop-wide")
    TEAM = "team", _("Team")
    PERSONAL = "personal", _("Personal")


class QuickReply(models.Model):
    """A quick reply (快捷短语): a text with placeholders ({buyer_name}, {order_number} …,
    service.quickreplies) filled from the buyer's current order, found by its shortcut."""

    scope = models.CharField(max_length=10, choices=QuickReplyScope.choices, default=QuickReplyScope.SHOP)
    # Shop-wide replies may belong to one shop (empty: every shop).
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=80)
    shortcut = models.CharField(_("shortcut"), max_length=30, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    body = models.TextField(_("text"), max_length=2000)
    language = models.CharField(max_length=10, default="zh-hans")
    usage_count = models.PositiveIntegerField(_("used"), default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["category", "title", "pk"]
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        indexes = [models.Index(fields=["scope", "shortcut"], name="service_reply_shortcut_idx")]


class ForbiddenPhrase(models.Model):
    """A service taboo (服务禁语) and its polite alternative, kept as data the owner edits.
    `variants` are other wordings of the same phrase the matcher also looks for."""

    phrase = models.CharField(_("phrase"), max_length=100)
    alternative = models.CharField(_("polite wording"), max_length=300)
    variants = models.JSONField(_("other wordings"), default=list, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("forbidden phrase")
        verbose_name_plural = _("forbidden phrases")
        constraints = [models.UniqueConstraint(fields=["phrase"], name="service_forbidden_phrase_unique")]

    def __str__(self) -> str:
        return self.phrase


class ForbiddenHit(models.Model):
    """An agent's draft was caught with a forbidden phrase; `sent_anyway` with a reason,
    or rewritten. The supervisor's figures count these per agent."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    phrase = models.ForeignKey(ForbiddenPhrase, on_delete=models.SET_NULL, null=True, blank=True, related_name="hits")
    phrase_text = models.CharField(max_length=100)
    draft = models.TextField()
    sent_anyway = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["agent", "at"], name="service_hit_agent_idx")]


class IntentCorrection(models.Model):
    """An agent corrected the intent of a buyer message: kept for retraining."""

    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.TextField()
    predicted = models.CharField(max_length=30)
    corrected = models.CharField(max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField()


class ComplaintStep(models.TextChoices):
    CALM = "calm", _("Stay calm")
    LISTEN = "listen", _("Listen")
    EMPATHISE = "empathise", _("Empathise")
    APOLOGISE = "apologise", _("Apologise")
    SOLVE = "solve", _("Solve")


class ComplaintProcedure(models.Model):
    """The complaint procedure (投诉处理) of a complaint conversation: each step ticked
    with who and when ({"calm": {"at": …, "by": …, "note": …}, …}), then a follow-up."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="complaint")
    steps = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)


class FollowUpTask(models.Model):
    """A follow-up call or message (回访) after a resolved problem or a complaint."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="follow_ups")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["done_at", "due_at"], name="service_followup_due_idx")]


class Survey(models.Model):
    """The satisfaction survey sent when a conversation is resolved — once per
    conversation; the buyer answers 1–5 and a comment through a link with a token."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="survey")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="service_survey_score_range",
            )
        ]


class Handover(models.Model):
    """A shift handover (交接班): what the leaving agent hands on, acknowledged by the
    next one ("交清接明"), both names and times recorded."""

    from_agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    created_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["acknowledged_at", "created_at"], name="service_handover_ack_idx")]


class HandoverItem(models.Model):
    """One open conversation or promise handed over (a promise has its due time)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    conversation = models.ForeignKey(Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    promise = models.CharField(_("promise"), max_length=300, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)


class ServiceDailyFigure(models.Model):
    """Daily fact rows of the desk, per shop and agent (agent empty: unassigned), kept as
    things happen (service.figures adds to them with F() in the same transaction), on
    business seconds. The dashboards read these, never the messages."""

    day = models.DateField()
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    conversations = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    first_response_seconds = models.PositiveBigIntegerField(default=0)
    resolutions = models.PositiveIntegerField(default=0)
    resolution_seconds = models.PositiveBigIntegerField(default=0)
    sla_met = models.PositiveIntegerField(default=0)
    sla_breached = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    forbidden_hits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "shop", "agent"], name="service_figure_day_unique"),
            models.UniqueConstraint(
                fields=["day", "shop"], condition=models.Q(agent__isnull=True), name="service_figure_day_noagent_unique"
            ),
        ]


class Mailbox(models.Model):
    """An inbound email address of a shop: mail to it opens or continues a conversation."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    address = models.EmailField(unique=True)

    class Meta:
        verbose_name = _("inbound mailbox")
        verbose_name_plural = _("inbound mailboxes")

    def __str__(self) -> str:
        return self.address
