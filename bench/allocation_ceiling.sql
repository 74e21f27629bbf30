-- The set-based ceiling of allocation (bench/allocation.py): the same choice as
-- region_priority for every approved order at once. Parameter: %(now)s.
CREATE TEMP TABLE ceiling_choice ON COMMIT DROP AS
SELECT o.id AS order_id, o.number, (
    SELECT w.id FROM inventory_warehouse w
    WHERE w.is_active AND NOT EXISTS (
        SELECT 1 FROM orders_orderline l
        LEFT JOIN inventory_stocklevel s ON s.sku_id = l.sku_id AND s.warehouse_id = w.id
        WHERE l.order_id = o.id
          AND coalesce(s.on_hand - s.reserved, 0)
              + CASE WHEN l.warehouse_id = w.id THEN l.reserved_quantity ELSE 0 END < l.quantity)
    ORDER BY NOT (jsonb_array_length(w.regions) = 0 OR w.regions ? o.province), w.priority, w.id
    LIMIT 1
) AS warehouse_id
FROM orders_order o
WHERE o.status = 'approved';

CREATE TEMP TABLE ceiling_move ON COMMIT DROP AS
SELECT l.id AS line_id, c.number, l.sku_id, l.warehouse_id AS source_id, l.reserved_quantity,
       c.warehouse_id AS target_id, l.quantity
FROM orders_orderline l JOIN ceiling_choice c ON c.order_id = l.order_id
WHERE c.warehouse_id IS NOT NULL AND l.warehouse_id IS DISTINCT FROM c.warehouse_id;

UPDATE inventory_stocklevel s SET reserved = s.reserved + d.delta
FROM (
    SELECT sku_id, warehouse_id, sum(delta) AS delta FROM (
        SELECT sku_id, target_id AS warehouse_id, quantity AS delta FROM ceiling_move
        UNION ALL
        SELECT sku_id, source_id, -reserved_quantity FROM ceiling_move
    ) x GROUP BY sku_id, warehouse_id
) d
WHERE s.sku_id = d.sku_id AND s.warehouse_id = d.warehouse_id;

INSERT INTO inventory_stockmovement
    (sku_id, warehouse_id, bin_id, kind, on_hand_delta, reserved_delta, defective_delta, in_transit_delta,
     presale_delta, document, actor_id, note, note_data, at)
SELECT sku_id, source_id, NULL::bigint, 'release', 0, -reserved_quantity, 0, 0, 0, number, NULL::bigint, '', '{"code": "note_allocated"}'::jsonb, %(now)s
FROM ceiling_move
UNION ALL
SELECT sku_id, target_id, NULL, 'allocate', 0, quantity, 0, 0, 0, number, NULL::bigint, '', '{"code": "note_allocated"}'::jsonb, %(now)s
FROM ceiling_move;

UPDATE orders_orderline l SET warehouse_id = m.target_id, reserved_quantity = m.quantity
FROM ceiling_move m WHERE l.id = m.line_id;

UPDATE orders_order o SET status = 'allocated', warehouse_id = c.warehouse_id, allocated_at = %(now)s
FROM ceiling_choice c WHERE o.id = c.order_id AND c.warehouse_id IS NOT NULL;

INSERT INTO orders_orderevent (order_id, type, at, actor_id, data)
SELECT c.order_id, 'allocated', %(now)s, NULL,
       jsonb_build_object('status_before', 'approved', 'status_after', 'allocated', 'warehouse_id', c.warehouse_id)
FROM ceiling_choice c WHERE c.warehouse_id IS NOT NULL
