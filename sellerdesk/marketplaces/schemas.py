"""What the marketplaces API answers and takes (api.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class RefusedRowOut(Schema):
    file: str  # "orders" or "items": which of a platform's two files
    line: int  # as a person counts lines in the file: the header is line 1
    external_id: str
    field: str
    code: str
    reason: str  # rendered in the request's language


class ImportCounts(Schema):
    to_create: int
    to_update: int
    unchanged: int
    skipped: int
    refused: int
    created: int
    updated: int


class ImportOut(Schema):
    id: int
    shop: str
    layout: str
    status: str
    status_text: str
    percent: int
    file_name: str
    items_file_name: str
    rows_total: int
    rows_checked: int
    orders_total: int
    orders_done: int
    counts: ImportCounts
    error_code: str
    error: str
    refused_rows: list[RefusedRowOut]
    refused_rows_count: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ImportPage(Schema):
    items: list[ImportOut]
    count: int
    page: int
    pages: int


class ImportFilters(Schema):
    shop: str = Field(default="", max_length=40)
    status: str = Field(default="", max_length=20)
    page: int = Field(default=1, ge=1, le=1_000_000)


class PlanEntryOut(Schema):
    external_id: str
    action: str  # create | update | unchanged | skip | refuse
    changes: list[str]  # each change rendered in the request's language
    refused: RefusedRowOut | None


class PlanPage(Schema):
    items: list[PlanEntryOut]
    count: int
    page: int
    pages: int


class PlanFilters(Schema):
    action: Literal["", "create", "update", "unchanged", "skip", "refuse"] = ""
    page: int = Field(default=1, ge=1, le=1_000_000)


class BulkShipQuery(Schema):
    date: dt.date
    format: Literal["csv", "xlsx"] = "csv"
