"""Staff pages of segments, buyer groups and Excel: the segments with their live counts
and the seed's three groups, one segment with its members, count and export, the buyer
groups and one group, the customer import with its report, the list's export.

Thin: a form parses, one action of crm.segments / customers.groups / crm.excel decides
and writes; a refusal is shown on the form that caused it (nothing was changed), a success
redirects with a message."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import add_refusal_to_form, error_text, logged_in_actor, show_refusal
from sellerdesk.crm import excel, queries, segments
from sellerdesk.crm.forms import CustomerFilterForm
from sellerdesk.crm.forms_segments import GroupForm, ImportForm, MembersForm, SegmentForm, field_of
from sellerdesk.crm.models import Segment
from sellerdesk.customers import groups
from sellerdesk.customers.models import Customer, CustomerGroup
from sellerdesk.shops.models import Shop

PAGE_SIZE = 50


def _require(actor: User, permission: str) -> None:
    """A page the role may not use answers 403 (the actions check again)."""
    if not has_permission(actor, permission):
        raise PermissionDenied(permission)


def _members_page(request: HttpRequest, customers: QuerySet[Customer]) -> Any:
    rows = customers.select_related("shop", "level").prefetch_related("tags")
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _download(customers: QuerySet[Customer], *, actor: User, name: str) -> HttpResponse:
    export = excel.export_customers(customers=customers, actor=actor, name=name)
    response = FileResponse(export.file, as_attachment=True, filename=export.filename, content_type=excel.CONTENT_TYPE)
    return response  # type: ignore[return-value]  # streamed; staff_required is typed for HttpResponse


def _shop_of(form: SegmentForm) -> Shop | None:
    code = form.cleaned_data.get("shop") or ""
    return Shop.objects.filter(code=code).first() if code else None


def _put_rule_errors(form: SegmentForm, error: DomainError) -> None:
    """parse_rules names `rules.<path>`: show each at the field it came from."""
    fields = error.details.get("fields") or {}
    mapped = {field_of(path) or (path if path in form.fields else None): why for path, why in fields.items()}
    for name, why in mapped.items():
        form.add_error(name if name in form.fields else None, why)
    if not fields:
        form.add_error(None, error.message)


# --- segments --------------------------------------------------------------------------------


@staff_required
def segment_list(request: HttpRequest) -> HttpResponse:
    """The saved segments and the seed's three groups, each with how many customers it
    holds right now; owners and supervisors add a segment here."""
    actor = logged_in_actor(request)
    _require(actor, "customers.view")
    may_edit = has_permission(actor, "segments.edit")
    form = SegmentForm(request.POST or None) if may_edit else None
    status = 200
    if request.method == "POST":
        _require(actor, "segments.edit")
        assert form is not None
        if form.is_valid():
            try:
                segment = segments.create_segment(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    shop=_shop_of(form),
                    rules=form.rules(),
                )
            except DomainError as error:
                _put_rule_errors(form, error)
            else:
                messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
                return redirect("crm:segment", pk=segment.pk)
        status = 422
    saved = list(Segment.objects.select_related("shop"))
    by_segment, by_group = segments.live_counts(segments=saved, actor=actor)
    context = {
        "segments": [(segment, by_segment[segment.pk], describe(segment.rules)) for segment in saved],
        "purchase_groups": [(code, label, by_group[code]) for code, label in segments.PURCHASE_GROUPS.items()],
        "form": form,
        "may_edit": may_edit,
    }
    return render(request, "crm/segments.html", context, status=status)


def describe(rules: Any) -> list[str]:
    """A stored rule set in words, one condition a line, in the reader's language (or what
    is wrong with it, when it was changed by hand into something invalid)."""
    try:
        rules = segments.checked_shape(rules).as_json()
    except ValidationFailed as error:
        return [error_text(error)]
    lines: list[str] = []
    recency = rules.get("recency") or {}
    if "within_days" in recency:
        lines.append(_("ordered in the last %(days)s days") % {"days": recency["within_days"]})
    if "not_within_days" in recency:
        lines.append(_("no order in the last %(days)s days") % {"days": recency["not_within_days"]})
    for key, at_least, at_most in (
        ("orders", _("at least %(n)s orders"), _("at most %(n)s orders")),
        ("spent", _("spent at least ¥%(n)s"), _("spent at most ¥%(n)s")),
    ):
        part = rules.get(key) or {}
        if "min" in part:
            lines.append(at_least % {"n": part["min"]})
        if "max" in part:
            lines.append(at_most % {"n": part["max"]})
    tags = rules.get("tags") or {}
    if tags.get("any"):
        lines.append(_("tagged with any of: %(names)s") % {"names": ", ".join(tags["any"])})
    if tags.get("all"):
        lines.append(_("tagged with all of: %(names)s") % {"names": ", ".join(tags["all"])})
    for key, text in (
        ("shops", _("in the shops: %(names)s")),
        ("levels", _("at the levels: %(names)s")),
        ("groups", _("in the buyer groups: %(names)s")),
    ):
        if rules.get(key):
            lines.append(text % {"names": ", ".join(rules[key])})
    if rules.get("purchase") in segments.PURCHASE_GROUPS:
        lines.append(str(segments.PURCHASE_GROUPS[rules["purchase"]]))
    return lines or [_("every customer")]


@staff_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One segment: its rules, how many customers it holds now, its members, the export;
    owners and supervisors change or delete it."""
    actor = logged_in_actor(request)
    try:
        segment = segments.get_segment(segment_id=pk, actor=actor)
    except DomainError:
        raise Http404("segment") from None
    may_edit = has_permission(actor, "segments.edit")
    form = SegmentForm(request.POST or None, initial=SegmentForm.initial_from(segment)) if may_edit else None
    status = 200
    if request.method == "POST":
        _require(actor, "segments.edit")
        assert form is not None
        if request.POST.get("action") == "delete":
            segments.delete_segment(actor=actor, segment=segment)
            messages.success(request, _("Segment %(name)s deleted.") % {"name": segment.name})
            return redirect("crm:segments")
        if form.is_valid():
            try:
                segments.update_segment(
                    actor=actor,
                    segment=segment,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    shop=_shop_of(form),
                    rules=form.rules(),
                )
            except DomainError as error:
                _put_rule_errors(form, error)
            else:
                messages.success(request, _("Segment %(name)s saved.") % {"name": form.cleaned_data["name"]})
                return redirect("crm:segment", pk=segment.pk)
        status = 422
    broken = ""
    try:
        members = segments.segment_customers(segment=segment, actor=actor)
    except ValidationFailed as error:
        # Stored rules changed by hand into something invalid: say so, list nobody.
        broken = error_text(error)
        members = Customer.objects.none()
    page = _members_page(request, members)
    context = {
        "segment": segment,
        "rules": describe(segment.rules),
        "broken": broken,
        "page": page,
        "customers": page.object_list,
        "count": page.paginator.count,
        "form": form,
        "may_edit": may_edit,
        "may_export": has_permission(actor, "customers.export"),
    }
    return render(request, "crm/segment.html", context, status=status)


@staff_required
@require_POST
def segment_count(request: HttpRequest) -> HttpResponse:
    """The editing form's live count (htmx): how many customers the rules as filled in
    select now, or what is wrong with them. Nothing is saved."""
    actor = logged_in_actor(request)
    _require(actor, "customers.view")
    form = SegmentForm(request.POST)
    form.is_valid()  # the name may be empty while editing; the rules are what count here
    count: int | None = None
    problems = [
        f"{form.fields[name].label}: {' '.join(str(error) for error in errors)}"
        for name, errors in form.errors.items()
        if name in form.fields and name not in ("name", "description")
    ]
    if not problems:
        try:
            rules = segments.parse_rules(form.rules())
            count = segments.customers_of(rules, actor=actor, shop=_shop_of(form)).count()
        except ValidationFailed as error:
            for path, why in error.fields.items():
                field = field_of(path)
                problems.append(f"{form.fields[field].label if field else path}: {why}")
    return render(request, "crm/_segment_count.html", {"count": count, "problems": problems})


@staff_required
@require_GET
def segment_export(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    _require(actor, "customers.export")
    try:
        segment = segments.get_segment(segment_id=pk, actor=actor)
    except DomainError:
        raise Http404("segment") from None
    return _download(segments.segment_customers(segment=segment, actor=actor), actor=actor, name=segment.name)


@staff_required
@require_GET
def purchase_group(request: HttpRequest, code: str) -> HttpResponse:
    """One of the seed's groups (bought, with the amount; ordered, never paid; only asked),
    its members and export."""
    actor = logged_in_actor(request)
    if code not in segments.PURCHASE_GROUPS:
        raise Http404("group")
    members = segments.purchase_group_customers(group=code, actor=actor)
    if request.GET.get("export"):
        _require(actor, "customers.export")
        return _download(members, actor=actor, name=str(segments.PURCHASE_GROUPS[code]))
    page = _members_page(request, members)
    context = {
        "code": code,
        "label": segments.PURCHASE_GROUPS[code],
        "page": page,
        "customers": page.object_list,
        "count": page.paginator.count,
        "may_export": has_permission(actor, "customers.export"),
    }
    return render(request, "crm/purchase_group.html", context)


# --- buyer groups ------------------------------------------------------------------------------


@staff_required
def group_list(request: HttpRequest) -> HttpResponse:
    actor = logged_in_actor(request)
    _require(actor, "customers.view")
    may_edit = has_permission(actor, groups.PERMISSION)
    form = GroupForm(request.POST or None) if may_edit else None
    status = 200
    if request.method == "POST":
        _require(actor, groups.PERMISSION)
        assert form is not None
        if form.is_valid():
            try:
                group = groups.create_group(
                    actor=actor, name=form.cleaned_data["name"], description=form.cleaned_data["description"]
                )
            except DomainError as error:
                add_refusal_to_form(form, error)
            else:
                messages.success(request, _("Buyer group %(name)s created.") % {"name": group.name})
                return redirect("crm:group", pk=group.pk)
        status = 422
    found = CustomerGroup.objects.annotate(size=Count("members")).order_by("name", "pk")
    return render(request, "crm/groups.html", {"groups": found, "form": form, "may_edit": may_edit}, status=status)


_SEPARATORS = re.compile(r"[\n,，;；、]+")


def find_customers(text: str) -> tuple[list[Customer], list[str]]:
    """The customers a person typed — customer numbers (K-7, or C000123), nicknames or
    phones, one a line or separated by commas — and what matched nobody or more than one."""
    found: dict[int, Customer] = {}
    problems: list[str] = []
    for token in dict.fromkeys(part.strip() for part in _SEPARATORS.split(text) if part.strip()):
        match = Q(number=token) | Q(nickname=token) | Q(phone=token)
        if re.fullmatch(r"C\d{6,}", token):
            match |= Q(pk=int(token[1:]), number="")
        candidates = list(Customer.objects.filter(match, merged_into__isnull=True)[:2])
        if not candidates:
            problems.append(_("%(text)s: no such customer") % {"text": token})
        elif len(candidates) > 1:
            problems.append(_("%(text)s: more than one customer; use the customer number") % {"text": token})
        else:
            found[candidates[0].pk] = candidates[0]
    return list(found.values()), problems


@staff_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One buyer group: its members (with the export), and for owners and supervisors:
    add members by number, nickname or phone, remove one, rename, delete."""
    actor = logged_in_actor(request)
    try:
        group = groups.get_group(group_id=pk, actor=actor)
    except DomainError:
        raise Http404("group") from None
    may_edit = has_permission(actor, groups.PERMISSION)
    if request.GET.get("export"):
        _require(actor, "customers.export")
        return _download(groups.group_members(group=group, actor=actor), actor=actor, name=group.name)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    rename = GroupForm(
        request.POST if action == "rename" else None, initial={"name": group.name, "description": group.description}
    )
    add = MembersForm(request.POST if action == "add" else None)
    status = 200
    if request.method == "POST":
        _require(actor, groups.PERMISSION)
        try:
            if action == "delete":
                groups.delete_group(actor=actor, group=group)
                messages.success(request, _("Buyer group %(name)s deleted.") % {"name": group.name})
                return redirect("crm:groups")
            if action == "remove":
                ids = [int(value) for value in request.POST.getlist("customer") if value.isdigit()]
                left = groups.remove_members(actor=actor, group=group, customers=ids)
                messages.success(request, _("%(count)d customers removed from the group.") % {"count": left})
                return redirect("crm:group", pk=group.pk)
            if action == "add" and add.is_valid():
                customers, problems = find_customers(add.cleaned_data["customers"])
                if problems:
                    raise ValidationFailed({"customers": "; ".join(problems)})
                joined = groups.add_members(actor=actor, group=group, customers=customers)
                messages.success(request, _("%(count)d customers added to the group.") % {"count": joined})
                return redirect("crm:group", pk=group.pk)
            if action == "rename" and rename.is_valid():
                groups.update_group(
                    actor=actor,
                    group=group,
                    name=rename.cleaned_data["name"],
                    description=rename.cleaned_data["description"],
                )
                messages.success(request, _("Buyer group saved."))
                return redirect("crm:group", pk=group.pk)
        except DomainError as error:
            add_refusal_to_form(add if action == "add" else rename, error)
        status = 422
    page = _members_page(request, groups.group_members(group=group, actor=actor))
    context = {
        "group": group,
        "page": page,
        "customers": page.object_list,
        "count": page.paginator.count,
        "rename": rename,
        "add": add,
        "may_edit": may_edit,
        "may_export": has_permission(actor, "customers.export"),
    }
    return render(request, "crm/group.html", context, status=status)


# --- Excel -------------------------------------------------------------------------------------


@staff_required
@require_GET
def customer_export(request: HttpRequest) -> HttpResponse:
    """The customer list as filtered on its page (same query string), as XLSX."""
    actor = logged_in_actor(request)
    _require(actor, "customers.export")
    form = CustomerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = queries.CustomerListFilters(
        q=data.get("q") or "",
        shop=data.get("shop") or "",
        level=data.get("level") or "",
        tag=data.get("tag"),
        group=data.get("group"),
    )
    return _download(queries.customer_list(filters=filters, actor=actor), actor=actor, name=_("customers"))


@staff_required
def customer_import(request: HttpRequest) -> HttpResponse:
    """Upload customers (XLSX or CSV): checked whole first; the report lists every bad row
    by its line, or what was (or, checking only, would be) created and updated."""
    actor = logged_in_actor(request)
    _require(actor, "customers.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    report: excel.ImportReport | None = None
    problems: list[tuple[int, str, str]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > excel.MAX_BYTES:
                    raise ValidationFailed(
                        {"file": _("larger than %(n)s MB") % {"n": excel.MAX_BYTES // (1024 * 1024)}}
                    )
                report = excel.import_customers(
                    content=upload.read(),
                    filename=upload.name or "",
                    actor=actor,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationFailed as error:
                problems = list(excel.iter_errors(error))
                messages.error(request, error.message)
                status = 422
            except DomainError as error:
                show_refusal(request, error)
                status = error.status
        else:
            status = 422
    context = {"form": form, "report": report, "problems": problems, "columns": excel.COLUMNS}
    return render(request, "crm/import.html", context, status=status)
