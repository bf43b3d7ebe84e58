-- 0001: the fleet's responses, their per-kiosk x day x hour tallies, and who may
-- do what.  Applied once by `kiosk fleet init` (kiosk/fleet/schema.py), in one
-- transaction, by the database owner.

-- (The schema fleet and fleet.schema_migrations are made by the migration runner.)

-- Group roles (cluster-wide, so they may exist from another database).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_kiosk') THEN
        CREATE ROLE fleet_kiosk NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_head_office') THEN
        CREATE ROLE fleet_head_office NOLOGIN;
    END IF;
END
$$;

-- One row per counter; the primary key is what refuses a second kiosk with the same id.
CREATE TABLE fleet.kiosks (
    kiosk_id   text PRIMARY KEY CHECK (kiosk_id <> ''),
    role_name  name NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fleet.responses (
    id         text PRIMARY KEY,
    kiosk_id   text NOT NULL REFERENCES fleet.kiosks,
    ts         timestamptz NOT NULL,
    -- The kiosk's own wall-clock day and hour of the tap (its time zone), the
    -- buckets its admin view and `kiosk stats` use.
    local_day  date NOT NULL,
    local_hour smallint NOT NULL CHECK (local_hour BETWEEN 0 AND 23),
    question   text NOT NULL,
    score      smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    label      text NOT NULL,
    language   text NOT NULL,
    flagged    boolean NOT NULL DEFAULT false,
    reason     text,
    comment    text,
    nps        smallint CHECK (nps BETWEEN 0 AND 10),
    synced_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX responses_kiosk_day ON fleet.responses (kiosk_id, local_day);

-- Answers per score (s1..s5) and flagged answers per score (f1..f5), as Tally keeps them.
CREATE TABLE fleet.hour_tallies (
    kiosk_id   text NOT NULL,
    local_day  date NOT NULL,
    local_hour smallint NOT NULL,
    s1 bigint NOT NULL DEFAULT 0, s2 bigint NOT NULL DEFAULT 0, s3 bigint NOT NULL DEFAULT 0,
    s4 bigint NOT NULL DEFAULT 0, s5 bigint NOT NULL DEFAULT 0,
    f1 bigint NOT NULL DEFAULT 0, f2 bigint NOT NULL DEFAULT 0, f3 bigint NOT NULL DEFAULT 0,
    f4 bigint NOT NULL DEFAULT 0, f5 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kiosk_id, local_day, local_hour)
);
CREATE INDEX hour_tallies_day ON fleet.hour_tallies (local_day);

-- The same per kiosk and day: what the fleet view sums (hours x 12 fewer rows).
CREATE TABLE fleet.day_tallies (
    kiosk_id   text NOT NULL,
    local_day  date NOT NULL,
    s1 bigint NOT NULL DEFAULT 0, s2 bigint NOT NULL DEFAULT 0, s3 bigint NOT NULL DEFAULT 0,
    s4 bigint NOT NULL DEFAULT 0, s5 bigint NOT NULL DEFAULT 0,
    f1 bigint NOT NULL DEFAULT 0, f2 bigint NOT NULL DEFAULT 0, f3 bigint NOT NULL DEFAULT 0,
    f4 bigint NOT NULL DEFAULT 0, f5 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kiosk_id, local_day)
);
CREATE INDEX day_tallies_day ON fleet.day_tallies (local_day);

-- Breakdowns, like scoring.Breakdown: per language (flagged counted apart), per
-- low-score reason and per NPS answer (unflagged only), each split by score.
CREATE TABLE fleet.hour_breakdowns (
    kiosk_id   text NOT NULL,
    local_day  date NOT NULL,
    local_hour smallint NOT NULL,
    dimension  text NOT NULL CHECK (dimension IN ('language', 'reason', 'nps')),
    value      text NOT NULL,
    s1 bigint NOT NULL DEFAULT 0, s2 bigint NOT NULL DEFAULT 0, s3 bigint NOT NULL DEFAULT 0,
    s4 bigint NOT NULL DEFAULT 0, s5 bigint NOT NULL DEFAULT 0,
    flagged bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (kiosk_id, local_day, local_hour, dimension, value)
);

-- What a row adds to (sign 1) or takes from (sign -1) the tallies.
CREATE TYPE fleet.contribution AS (
    kiosk_id text, local_day date, local_hour smallint, score smallint, flagged boolean,
    language text, reason text, nps smallint, sign integer
);

CREATE FUNCTION fleet.add_contributions(rows fleet.contribution[]) RETURNS void
LANGUAGE sql SET search_path = fleet, pg_temp AS $$
    INSERT INTO fleet.hour_tallies AS t
        (kiosk_id, local_day, local_hour, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5)
    SELECT kiosk_id, local_day, local_hour,
           coalesce(sum(sign) FILTER (WHERE score = 1 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 2 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 3 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 4 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 5 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 1 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 2 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 3 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 4 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 5 AND flagged), 0)
    FROM unnest(rows)
    GROUP BY kiosk_id, local_day, local_hour
    ON CONFLICT (kiosk_id, local_day, local_hour) DO UPDATE SET
        s1 = t.s1 + excluded.s1, s2 = t.s2 + excluded.s2, s3 = t.s3 + excluded.s3,
        s4 = t.s4 + excluded.s4, s5 = t.s5 + excluded.s5,
        f1 = t.f1 + excluded.f1, f2 = t.f2 + excluded.f2, f3 = t.f3 + excluded.f3,
        f4 = t.f4 + excluded.f4, f5 = t.f5 + excluded.f5;

    INSERT INTO fleet.day_tallies AS t
        (kiosk_id, local_day, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5)
    SELECT kiosk_id, local_day,
           coalesce(sum(sign) FILTER (WHERE score = 1 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 2 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 3 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 4 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 5 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 1 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 2 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 3 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 4 AND flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 5 AND flagged), 0)
    FROM unnest(rows)
    GROUP BY kiosk_id, local_day
    ON CONFLICT (kiosk_id, local_day) DO UPDATE SET
        s1 = t.s1 + excluded.s1, s2 = t.s2 + excluded.s2, s3 = t.s3 + excluded.s3,
        s4 = t.s4 + excluded.s4, s5 = t.s5 + excluded.s5,
        f1 = t.f1 + excluded.f1, f2 = t.f2 + excluded.f2, f3 = t.f3 + excluded.f3,
        f4 = t.f4 + excluded.f4, f5 = t.f5 + excluded.f5;

    INSERT INTO fleet.hour_breakdowns AS b
        (kiosk_id, local_day, local_hour, dimension, value, s1, s2, s3, s4, s5, flagged)
    SELECT kiosk_id, local_day, local_hour, dimension, value,
           coalesce(sum(sign) FILTER (WHERE score = 1 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 2 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 3 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 4 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE score = 5 AND NOT flagged), 0),
           coalesce(sum(sign) FILTER (WHERE flagged), 0)
    FROM (
        SELECT kiosk_id, local_day, local_hour, 'language' AS dimension, language AS value,
               score, flagged, sign
        FROM unnest(rows)
        UNION ALL
        SELECT kiosk_id, local_day, local_hour, 'reason', reason, score, false, sign
        FROM unnest(rows) WHERE NOT flagged AND reason IS NOT NULL AND reason <> ''
        UNION ALL
        SELECT kiosk_id, local_day, local_hour, 'nps', nps::text, score, false, sign
        FROM unnest(rows) WHERE NOT flagged AND nps IS NOT NULL
    ) AS parts
    GROUP BY kiosk_id, local_day, local_hour, dimension, value
    ON CONFLICT (kiosk_id, local_day, local_hour, dimension, value) DO UPDATE SET
        s1 = b.s1 + excluded.s1, s2 = b.s2 + excluded.s2, s3 = b.s3 + excluded.s3,
        s4 = b.s4 + excluded.s4, s5 = b.s5 + excluded.s5, flagged = b.flagged + excluded.flagged;
$$;

-- Statement-level triggers: one grouped upsert per pushed batch, in the same
-- transaction as the rows (an UPDATE takes the old row out and puts the new one in).
CREATE FUNCTION fleet.tally_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
BEGIN
    PERFORM fleet.add_contributions(ARRAY(
        SELECT ROW(kiosk_id, local_day, local_hour, score, flagged, language, reason, nps, 1)
               ::fleet.contribution FROM new_rows));
    RETURN NULL;
END
$$;

CREATE FUNCTION fleet.tally_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
BEGIN
    PERFORM fleet.add_contributions(ARRAY(
        SELECT ROW(kiosk_id, local_day, local_hour, score, flagged, language, reason, nps, 1)
               ::fleet.contribution FROM new_rows
        UNION ALL
        SELECT ROW(kiosk_id, local_day, local_hour, score, flagged, language, reason, nps, -1)
               ::fleet.contribution FROM old_rows));
    RETURN NULL;
END
$$;

CREATE TRIGGER responses_tally_insert AFTER INSERT ON fleet.responses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fleet.tally_inserted();
CREATE TRIGGER responses_tally_update AFTER UPDATE ON fleet.responses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fleet.tally_updated();

-- Deleting a row would leave the tallies wrong: nobody may (the owner neither, by accident).
CREATE FUNCTION fleet.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fleet.responses keeps every response: rows are never deleted';
END
$$;
CREATE TRIGGER responses_no_delete BEFORE DELETE OR TRUNCATE ON fleet.responses
    FOR EACH STATEMENT EXECUTE FUNCTION fleet.refuse_delete();

-- Row-level security: a kiosk's login role sees, inserts and annotates only the
-- rows of the kiosk id fleet.kiosks maps it to.
CREATE FUNCTION fleet.kiosk_of(role text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
    SELECT kiosk_id FROM fleet.kiosks WHERE role_name = role
$$;
REVOKE ALL ON FUNCTION fleet.kiosk_of(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fleet.kiosk_of(text) TO fleet_kiosk;

ALTER TABLE fleet.responses ENABLE ROW LEVEL SECURITY;
CREATE POLICY kiosk_reads_own ON fleet.responses FOR SELECT TO fleet_kiosk
    USING (kiosk_id = fleet.kiosk_of(current_user));
CREATE POLICY kiosk_inserts_own ON fleet.responses FOR INSERT TO fleet_kiosk
    WITH CHECK (kiosk_id = fleet.kiosk_of(current_user));
CREATE POLICY kiosk_annotates_own ON fleet.responses FOR UPDATE TO fleet_kiosk
    USING (kiosk_id = fleet.kiosk_of(current_user))
    WITH CHECK (kiosk_id = fleet.kiosk_of(current_user));
CREATE POLICY head_office_reads_all ON fleet.responses FOR SELECT TO fleet_head_office
    USING (true);

REVOKE ALL ON ALL TABLES IN SCHEMA fleet FROM PUBLIC;
REVOKE ALL ON FUNCTION fleet.add_contributions(fleet.contribution[]) FROM PUBLIC;
GRANT USAGE ON SCHEMA fleet TO fleet_kiosk, fleet_head_office;
-- A kiosk: add rows, and change only the fields added after the tap.  SELECT (own
-- rows, by the policy) is what INSERT ... ON CONFLICT DO UPDATE needs to compare.
GRANT SELECT, INSERT ON fleet.responses TO fleet_kiosk;
GRANT UPDATE (reason, comment, nps, synced_at) ON fleet.responses TO fleet_kiosk;
GRANT SELECT ON fleet.kiosks, fleet.responses, fleet.hour_tallies, fleet.day_tallies,
    fleet.hour_breakdowns
    TO fleet_head_office;
