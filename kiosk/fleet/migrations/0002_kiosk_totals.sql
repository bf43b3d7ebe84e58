-- 0002: all-time totals per kiosk, so the fleet view's refresh reads one row per
-- site plus the last two weeks of day_tallies (466 ms -> a few ms at 10 M rows).

CREATE TABLE fleet.kiosk_totals (
    kiosk_id text PRIMARY KEY,
    s1 bigint NOT NULL DEFAULT 0, s2 bigint NOT NULL DEFAULT 0, s3 bigint NOT NULL DEFAULT 0,
    s4 bigint NOT NULL DEFAULT 0, s5 bigint NOT NULL DEFAULT 0,
    f1 bigint NOT NULL DEFAULT 0, f2 bigint NOT NULL DEFAULT 0, f3 bigint NOT NULL DEFAULT 0,
    f4 bigint NOT NULL DEFAULT 0, f5 bigint NOT NULL DEFAULT 0
);

INSERT INTO fleet.kiosk_totals
SELECT kiosk_id, sum(s1), sum(s2), sum(s3), sum(s4), sum(s5),
       sum(f1), sum(f2), sum(f3), sum(f4), sum(f5)
FROM fleet.day_tallies GROUP BY kiosk_id;

GRANT SELECT ON fleet.kiosk_totals TO fleet_head_office;

-- Kept in the same transaction as the rows, like the other tallies (0001).
CREATE FUNCTION fleet.add_to_kiosk_totals(rows fleet.contribution[]) RETURNS void
LANGUAGE sql SET search_path = fleet, pg_temp AS $$
    INSERT INTO fleet.kiosk_totals AS t (kiosk_id, s1, s2, s3, s4, s5, f1, f2, f3, f4, f5)
    SELECT kiosk_id,
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
    GROUP BY kiosk_id
    ON CONFLICT (kiosk_id) DO UPDATE SET
        s1 = t.s1 + excluded.s1, s2 = t.s2 + excluded.s2, s3 = t.s3 + excluded.s3,
        s4 = t.s4 + excluded.s4, s5 = t.s5 + excluded.s5,
        f1 = t.f1 + excluded.f1, f2 = t.f2 + excluded.f2, f3 = t.f3 + excluded.f3,
        f4 = t.f4 + excluded.f4, f5 = t.f5 + excluded.f5;
$$;
REVOKE ALL ON FUNCTION fleet.add_to_kiosk_totals(fleet.contribution[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION fleet.tally_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = fleet, pg_temp AS $$
DECLARE
    added fleet.contribution[];
BEGIN
    added := ARRAY(
        SELECT ROW(kiosk_id, local_day, local_hour, score, flagged, language, reason, nps, 1)
               ::fleet.contribution FROM new_rows);
    PERFORM fleet.add_contributions(added);
    PERFORM fleet.add_to_kiosk_totals(added);
    RETURN NULL;
END
$$;
-- An annotation never changes the score or the flag: kiosk_totals need no update then.
