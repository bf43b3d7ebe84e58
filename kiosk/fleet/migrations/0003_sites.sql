-- 0003: one identity per site, the row rules, quarantine, reconciliation,
-- one installation per login, each site's zone, least privilege (issue 22).
-- Safe on a database holding rows: the new key is wider than the old one, and
-- the rules constraint is NOT VALID (old rows are kept; new rows are checked).

-- 1. A response is identified by its kiosk and its id together: two shops may
--    both hold an answer "1" (legacy CSVs, `kiosk demo` with its default seed).
ALTER TABLE fleet.responses DROP CONSTRAINT responses_pkey;
ALTER TABLE fleet.responses ADD PRIMARY KEY (kiosk_id, id);
-- The kiosk id a record was made under, when a site adopted it (kiosk fleet adopt).
ALTER TABLE fleet.responses ADD COLUMN made_as text;

-- 2. The rules of kiosk/fleet/rules.py (MAX_CHARS, MAX_OFFSET, SCORES, NPS): keep in step.
ALTER TABLE fleet.responses ADD CONSTRAINT responses_rules CHECK (
        char_length(id) BETWEEN 1 AND 200
    AND char_length(kiosk_id) BETWEEN 1 AND 200
    AND char_length(question) BETWEEN 1 AND 200
    AND char_length(label) <= 200
    AND char_length(language) <= 64
    AND (reason IS NULL OR char_length(reason) <= 200)
    AND (comment IS NULL OR char_length(comment) <= 10000)
    AND (made_as IS NULL OR char_length(made_as) <= 200)
) NOT VALID;

-- Rows a kiosk could not send, with the reason: shown at head office.
CREATE TABLE fleet.quarantine (
    kiosk_id    text NOT NULL REFERENCES fleet.kiosks,
    id          text NOT NULL,
    local_day   date,
    reason      text NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kiosk_id, id)
);

-- 3. Reconciliation: per kiosk and local day, what the counter holds (answers and
--    a digest of their ids), to compare with what fleet.responses holds.
CREATE TABLE fleet.kiosk_days (
    kiosk_id        text NOT NULL REFERENCES fleet.kiosks,
    local_day       date NOT NULL,
    answers         integer NOT NULL,
    digest          text NOT NULL,
    quarantined     integer NOT NULL DEFAULT 0,
    foreign_answers integer NOT NULL DEFAULT 0,  -- under another kiosk id, not adopted
    foreign_ids     text,
    reported_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kiosk_id, local_day)
);

-- 4. One installation per login, and 5. each site's zone.
ALTER TABLE fleet.kiosks ADD COLUMN installation text;
ALTER TABLE fleet.kiosks ADD COLUMN installed_at timestamptz;
ALTER TABLE fleet.kiosks ADD COLUMN timezone text;
CREATE TABLE fleet.refused_installations (
    kiosk_id     text NOT NULL REFERENCES fleet.kiosks,
    installation text NOT NULL,
    timezone     text,
    first_at     timestamptz NOT NULL DEFAULT now(),
    last_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kiosk_id, installation)
);

-- 6. Least privilege: the kiosk of the current login only (0001's kiosk_of(role)
--    let any kiosk ask for any role's site).
-- session_user: the login (inside a SECURITY DEFINER function current_user is the owner).
CREATE FUNCTION fleet.my_kiosk() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
    SELECT kiosk_id FROM fleet.kiosks WHERE role_name = session_user
$$;
REVOKE ALL ON FUNCTION fleet.my_kiosk() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fleet.my_kiosk() TO fleet_kiosk;

DROP POLICY kiosk_reads_own ON fleet.responses;
DROP POLICY kiosk_inserts_own ON fleet.responses;
DROP POLICY kiosk_annotates_own ON fleet.responses;
DROP FUNCTION fleet.kiosk_of(text);
CREATE POLICY kiosk_reads_own ON fleet.responses FOR SELECT TO fleet_kiosk
    USING (kiosk_id = fleet.my_kiosk());
CREATE POLICY kiosk_inserts_own ON fleet.responses FOR INSERT TO fleet_kiosk
    WITH CHECK (kiosk_id = fleet.my_kiosk());
CREATE POLICY kiosk_annotates_own ON fleet.responses FOR UPDATE TO fleet_kiosk
    USING (kiosk_id = fleet.my_kiosk())
    WITH CHECK (kiosk_id = fleet.my_kiosk());
GRANT INSERT (made_as) ON fleet.responses TO fleet_kiosk;

-- A kiosk claims its login for one installation; a second one is refused (and
-- recorded, for head office).  Returns NULL when accepted, else why not.
CREATE FUNCTION fleet.claim(installation_id text, zone text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
DECLARE
    site text := fleet.my_kiosk();
    holder text;
    since timestamptz;
BEGIN
    IF site IS NULL THEN
        RETURN 'this login is not registered to any kiosk (kiosk fleet add-kiosk)';
    END IF;
    SELECT k.installation, k.installed_at INTO holder, since
        FROM fleet.kiosks AS k WHERE k.kiosk_id = site FOR UPDATE;
    IF holder IS NULL OR holder = installation_id THEN
        UPDATE fleet.kiosks SET installation = installation_id,
            installed_at = coalesce(installed_at, now()),
            timezone = CASE WHEN EXISTS (SELECT FROM pg_timezone_names WHERE name = zone)
                            THEN zone ELSE timezone END  -- a zone this server knows
        WHERE kiosk_id = site;
        RETURN NULL;
    END IF;
    INSERT INTO fleet.refused_installations AS r (kiosk_id, installation, timezone)
        VALUES (site, installation_id, zone)
        ON CONFLICT (kiosk_id, installation) DO UPDATE SET last_at = now();
    RETURN format('kiosk %s is already installed on another machine (since %s); '
                  'head office can free it with kiosk fleet release %s', site,
                  to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), site);
END
$$;

CREATE FUNCTION fleet.report_quarantine(row_id text, day date, why text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
    INSERT INTO fleet.quarantine (kiosk_id, id, local_day, reason)
    SELECT fleet.my_kiosk(), left(row_id, 200), day, left(why, 500)
    WHERE fleet.my_kiosk() IS NOT NULL
    ON CONFLICT (kiosk_id, id) DO UPDATE SET reason = excluded.reason, reported_at = now()
$$;

CREATE FUNCTION fleet.report_day(day date, answers integer, digest text, quarantined integer,
                                 foreign_answers integer, foreign_ids text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
    INSERT INTO fleet.kiosk_days AS d (kiosk_id, local_day, answers, digest, quarantined,
                                       foreign_answers, foreign_ids)
    SELECT fleet.my_kiosk(), day, answers, digest, quarantined, foreign_answers,
           left(foreign_ids, 500)
    WHERE fleet.my_kiosk() IS NOT NULL
    ON CONFLICT (kiosk_id, local_day) DO UPDATE SET
        answers = excluded.answers, digest = excluded.digest,
        quarantined = excluded.quarantined, foreign_answers = excluded.foreign_answers,
        foreign_ids = excluded.foreign_ids, reported_at = now()
$$;

-- Per kiosk and day: reported by the counter vs held here, compared by count and
-- by a digest of the ids (sha-256 of the ids sorted by code point, one a line:
-- kiosk/fleet/reconcile.py computes the same).  A day held but never reported has
-- reported NULL; a site that never reported and holds nothing, local_day NULL.
CREATE FUNCTION fleet.reconciliation(only_site text DEFAULT NULL, only_days date[] DEFAULT NULL,
                                     since date DEFAULT NULL)
RETURNS TABLE (kiosk_id text, local_day date, reported integer, held bigint,
               same_ids boolean, quarantined integer, foreign_answers integer,
               foreign_ids text, reported_at timestamptz)
LANGUAGE sql STABLE SET search_path = fleet, pg_temp AS $$
    WITH sites AS (
        SELECT k.kiosk_id FROM fleet.kiosks AS k WHERE only_site IS NULL OR k.kiosk_id = only_site
    ), held AS (
        SELECT r.kiosk_id, r.local_day, count(*) AS answers,
               encode(sha256(convert_to(string_agg(r.id, E'\n' ORDER BY r.id COLLATE "C"),
                                        'UTF8')), 'hex') AS digest
        FROM fleet.responses AS r JOIN sites USING (kiosk_id)
        WHERE (only_days IS NULL OR r.local_day = ANY (only_days))
          AND (since IS NULL OR r.local_day >= since)
        GROUP BY r.kiosk_id, r.local_day
    ), days AS (
        SELECT d.* FROM fleet.kiosk_days AS d JOIN sites USING (kiosk_id)
        WHERE (only_days IS NULL OR d.local_day = ANY (only_days))
          AND (since IS NULL OR d.local_day >= since)
    ), joined AS (
        SELECT coalesce(d.kiosk_id, h.kiosk_id) AS kiosk_id,
               coalesce(d.local_day, h.local_day) AS local_day,
               d.answers AS reported, coalesce(h.answers, 0) AS held,
               (d.answers = coalesce(h.answers, 0)
                AND (d.answers = 0 OR d.digest = h.digest)) AS same_ids,
               coalesce(d.quarantined, 0) AS quarantined,
               coalesce(d.foreign_answers, 0) AS foreign_answers, d.foreign_ids, d.reported_at
        FROM days AS d FULL JOIN held AS h
            ON h.kiosk_id = d.kiosk_id AND h.local_day = d.local_day
    )
    SELECT s.kiosk_id, j.local_day, j.reported, coalesce(j.held, 0),
           coalesce(j.same_ids, false), coalesce(j.quarantined, 0),
           coalesce(j.foreign_answers, 0), j.foreign_ids, j.reported_at
    FROM sites AS s LEFT JOIN joined AS j USING (kiosk_id)
    ORDER BY s.kiosk_id, j.local_day
$$;

-- The counter's own days (of those given) that differ, for its admin view.
CREATE FUNCTION fleet.my_gaps(days date[]) RETURNS TABLE (local_day date, reported integer,
                                                          held bigint, same_ids boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
    SELECT local_day, reported, held, same_ids FROM fleet.reconciliation(fleet.my_kiosk(), days)
    WHERE fleet.my_kiosk() IS NOT NULL AND local_day IS NOT NULL
      AND (reported IS DISTINCT FROM held OR NOT same_ids)
$$;

REVOKE ALL ON FUNCTION fleet.claim(text, text), fleet.report_quarantine(text, date, text),
    fleet.report_day(date, integer, text, integer, integer, text), fleet.my_gaps(date[]),
    fleet.reconciliation(text, date[], date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fleet.claim(text, text), fleet.report_quarantine(text, date, text),
    fleet.report_day(date, integer, text, integer, integer, text), fleet.my_gaps(date[])
    TO fleet_kiosk;
GRANT EXECUTE ON FUNCTION fleet.reconciliation(text, date[], date) TO fleet_head_office;
GRANT SELECT ON fleet.quarantine, fleet.kiosk_days, fleet.refused_installations
    TO fleet_head_office;

-- Each kiosk login: at most 3 connections (its sync thread, a cron `kiosk sync`,
-- one spare), so no kiosk can take head office's or the other sites' places.
DO $$
DECLARE
    login name;
BEGIN
    FOR login IN SELECT k.role_name FROM fleet.kiosks AS k
                 JOIN pg_roles AS r ON r.rolname = k.role_name LOOP
        EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 3', login);
    END LOOP;
    -- Head office keeps the server's reserved_connections (PostgreSQL 16+; set
    -- reserved_connections in postgresql.conf, see docs/FLEET.md).
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pg_use_reserved_connections') THEN
        BEGIN
            GRANT pg_use_reserved_connections TO fleet_head_office;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'grant pg_use_reserved_connections to fleet_head_office as a superuser';
        END;
    END IF;
END
$$;
