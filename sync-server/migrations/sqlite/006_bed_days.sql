-- Occupied bed days per unit and month, entered by a lead on the console's dashboard (see
-- src/console/store.rs and src/console/figures/dashboard.rs): the denominator of the
-- restrictive-practice rates per 1,000 occupied bed days. The month is a UK calendar month,
-- YYYY-MM. One figure per unit and month; entering it again replaces it (who and when kept).
CREATE TABLE console_bed_days (
    unit_id    TEXT NOT NULL REFERENCES units (unit_id),
    month      TEXT NOT NULL CHECK (length(month) = 7),
    bed_days   INTEGER NOT NULL CHECK (bed_days >= 0 AND bed_days <= 1000000),
    entered_by TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (unit_id, month)
);
