-- A view whose definition changed is rebuilt here under its own name, beside the live one,
-- together with the views that read it; with this schema first in search_path the SQL files
-- resolve to the new upstream views unchanged. The rebuilt views are moved into the live
-- schema in the swap transaction, so this schema is empty outside it.
CREATE SCHEMA IF NOT EXISTS sunshine_next;
