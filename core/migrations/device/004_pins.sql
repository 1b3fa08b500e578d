-- Steady device store, schema 4: people pinned on this phone.
--
-- A worker pins the people they support this shift so those come first in the people list
-- (`Store::people`). A pin belongs to this device only: it is never synced, never audited (it
-- holds no personal data, only ids) and leaves the device with its unit, as everything else of
-- the unit does: the trigger removes a unit's pins when its grant row is deleted (the purge at a
-- placement's end, a revoked device's wipe).
CREATE TABLE pinned_people (
    person_id TEXT PRIMARY KEY,
    unit_id   TEXT NOT NULL,
    pinned_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pinned_people_by_unit ON pinned_people (unit_id);

CREATE TRIGGER pins_leave_with_their_unit
AFTER DELETE ON units
BEGIN
    DELETE FROM pinned_people WHERE unit_id = OLD.unit_id;
END;
