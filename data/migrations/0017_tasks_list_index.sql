-- 0017: `jr tasks list` reads every open task from one index, not the table.
-- Never edit once landed; add a new numbered file instead.
--
-- The list walks the open tasks in display order (priority, due, id). With
-- the index holding only the order, each row was then fetched from the
-- table by id, in an order unrelated to where rows lie: with 100,000 tasks
-- nearly one page read (a system call and a 4 KiB copy) per row, a fifth of
-- the list's time. The index now also holds what a table row shows (status,
-- due, parent, claim, title), so the list reads it front to back; pages of
-- the list (`--limit`, the TUI) still stop after their rows. Same name, so
-- the queries' INDEXED BY hints keep working.

DROP INDEX tasks_open_order;
CREATE INDEX tasks_open_order ON tasks (priority, due_sort, id, status, due, parent, claimed_by, title)
    WHERE status IN ('pending', 'in_progress', 'review');
