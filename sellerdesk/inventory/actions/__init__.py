"""Every state-changing operation on stock, warehouses, bins, transfers and counts.

One module per subdomain; everything is importable from here
(`from sellerdesk.inventory.actions import receive_stock`).
"""

from sellerdesk.inventory.actions.counts import cancel_count, enter_counts, post_count, start_count
from sellerdesk.inventory.actions.stock import (
    MissingUnits,
    ReservationMove,
    StockLine,
    add_in_transit,
    add_to_bin,
    bin_totals,
    default_warehouse,
    lock_levels,
    receive_stock,
    release_stock,
    remove_defective,
    remove_in_transit,
    reserve_stock,
    set_on_hand,
    ship_stock,
    transfer_reservations,
    trim_bins_to_on_hand,
    write_off_missing,
)
from sellerdesk.inventory.actions.transfers import (
    BinPart,
    LineReceipt,
    cancel_transfer,
    create_transfer,
    receive_transfer,
    ship_transfer,
)
from sellerdesk.inventory.actions.warehouses import (
    create_bins,
    create_warehouse,
    move_bin_stock,
    parse_bin_codes,
    putaway,
    set_reorder_point,
    update_bin,
    update_warehouse,
)

__all__ = [
    "BinPart",
    "LineReceipt",
    "MissingUnits",
    "ReservationMove",
    "StockLine",
    "add_in_transit",
    "add_to_bin",
    "bin_totals",
    "cancel_count",
    "cancel_transfer",
    "create_bins",
    "create_transfer",
    "create_warehouse",
    "default_warehouse",
    "enter_counts",
    "lock_levels",
    "move_bin_stock",
    "parse_bin_codes",
    "post_count",
    "putaway",
    "receive_stock",
    "receive_transfer",
    "release_stock",
    "remove_defective",
    "remove_in_transit",
    "reserve_stock",
    "set_on_hand",
    "set_reorder_point",
    "ship_stock",
    "ship_transfer",
    "start_count",
    "transfer_reservations",
    "trim_bins_to_on_hand",
    "update_bin",
    "update_warehouse",
    "write_off_missing",
]
