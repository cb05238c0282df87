-- Surveys service schema: service units, SKM responses, incremental IKM buckets, gap state.

-- Service units (unit layanan). Operators manage them over HTTP; the Tangerang Selatan seed is
-- inserted at start if missing. served_per_month is the population for Krejcie-Morgan adequacy.
CREATE TABLE units (
    unit_id text PRIMARY KEY CHECK (unit_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    bidang text NOT NULL,
    district text,
    served_per_month integer NOT NULL CHECK (served_per_month >= 0),
    services text[] NOT NULL DEFAULT '{}',
    -- Custom element weights as exact fractions {"U1": "1/9", ...}; NULL = 1/9 each.
    weights jsonb,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted response. The comment and exact age are personal data (UU 27/2022):
-- kept here only, never published (events carry the age band).
CREATE TABLE responses (
    response_id uuid PRIMARY KEY,
    unit_id text NOT NULL REFERENCES units (unit_id),
    service text NOT NULL,
    submitted_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    channel text NOT NULL CHECK (channel IN ('web', 'api', 'kafka')),
    u1 smallint NOT NULL CHECK (u1 BETWEEN 1 AND 4),
    u2 smallint NOT NULL CHECK (u2 BETWEEN 1 AND 4),
    u3 smallint NOT NULL CHECK (u3 BETWEEN 1 AND 4),
    u4 smallint NOT NULL CHECK (u4 BETWEEN 1 AND 4),
    u5 smallint NOT NULL CHECK (u5 BETWEEN 1 AND 4),
    u6 smallint NOT NULL CHECK (u6 BETWEEN 1 AND 4),
    u7 smallint NOT NULL CHECK (u7 BETWEEN 1 AND 4),
    u8 smallint NOT NULL CHECK (u8 BETWEEN 1 AND 4),
    u9 smallint NOT NULL CHECK (u9 BETWEEN 1 AND 4),
    sex text NOT NULL,
    age smallint NOT NULL,
    education text NOT NULL,
    occupation text NOT NULL,
    comment text,
    client_ref text,
    -- A kiosk's resend with the same client_ref counts once (per unit).
    CONSTRAINT responses_client_ref_once UNIQUE (unit_id, client_ref)
);
CREATE INDEX responses_unit_time ON responses (unit_id, submitted_at);

-- Incremental IKM aggregate per (unit, period, service); service '' = the whole unit.
-- Each response adds its counters to eight rows (4 periods x unit/service), so the cost of an
-- intake never grows with the number stored; city-wide figures sum the unit rows of a period.
CREATE TABLE ikm_buckets (
    unit_id text NOT NULL REFERENCES units (unit_id),
    period_key text NOT NULL,
    service text NOT NULL DEFAULT '',
    n bigint NOT NULL DEFAULT 0 CHECK (n >= 0),
    sum_u1 bigint NOT NULL DEFAULT 0 CHECK (sum_u1 >= 0),
    sum_u2 bigint NOT NULL DEFAULT 0 CHECK (sum_u2 >= 0),
    sum_u3 bigint NOT NULL DEFAULT 0 CHECK (sum_u3 >= 0),
    sum_u4 bigint NOT NULL DEFAULT 0 CHECK (sum_u4 >= 0),
    sum_u5 bigint NOT NULL DEFAULT 0 CHECK (sum_u5 >= 0),
    sum_u6 bigint NOT NULL DEFAULT 0 CHECK (sum_u6 >= 0),
    sum_u7 bigint NOT NULL DEFAULT 0 CHECK (sum_u7 >= 0),
    sum_u8 bigint NOT NULL DEFAULT 0 CHECK (sum_u8 >= 0),
    sum_u9 bigint NOT NULL DEFAULT 0 CHECK (sum_u9 >= 0),
    cnt_u1_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u1_1 >= 0),
    cnt_u1_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u1_2 >= 0),
    cnt_u1_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u1_3 >= 0),
    cnt_u1_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u1_4 >= 0),
    cnt_u2_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u2_1 >= 0),
    cnt_u2_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u2_2 >= 0),
    cnt_u2_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u2_3 >= 0),
    cnt_u2_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u2_4 >= 0),
    cnt_u3_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u3_1 >= 0),
    cnt_u3_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u3_2 >= 0),
    cnt_u3_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u3_3 >= 0),
    cnt_u3_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u3_4 >= 0),
    cnt_u4_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u4_1 >= 0),
    cnt_u4_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u4_2 >= 0),
    cnt_u4_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u4_3 >= 0),
    cnt_u4_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u4_4 >= 0),
    cnt_u5_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u5_1 >= 0),
    cnt_u5_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u5_2 >= 0),
    cnt_u5_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u5_3 >= 0),
    cnt_u5_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u5_4 >= 0),
    cnt_u6_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u6_1 >= 0),
    cnt_u6_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u6_2 >= 0),
    cnt_u6_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u6_3 >= 0),
    cnt_u6_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u6_4 >= 0),
    cnt_u7_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u7_1 >= 0),
    cnt_u7_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u7_2 >= 0),
    cnt_u7_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u7_3 >= 0),
    cnt_u7_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u7_4 >= 0),
    cnt_u8_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u8_1 >= 0),
    cnt_u8_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u8_2 >= 0),
    cnt_u8_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u8_3 >= 0),
    cnt_u8_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u8_4 >= 0),
    cnt_u9_1 bigint NOT NULL DEFAULT 0 CHECK (cnt_u9_1 >= 0),
    cnt_u9_2 bigint NOT NULL DEFAULT 0 CHECK (cnt_u9_2 >= 0),
    cnt_u9_3 bigint NOT NULL DEFAULT 0 CHECK (cnt_u9_3 >= 0),
    cnt_u9_4 bigint NOT NULL DEFAULT 0 CHECK (cnt_u9_4 >= 0),
    sex_l bigint NOT NULL DEFAULT 0 CHECK (sex_l >= 0),
    sex_p bigint NOT NULL DEFAULT 0 CHECK (sex_p >= 0),
    age_lt20 bigint NOT NULL DEFAULT 0 CHECK (age_lt20 >= 0),
    age_20_29 bigint NOT NULL DEFAULT 0 CHECK (age_20_29 >= 0),
    age_30_39 bigint NOT NULL DEFAULT 0 CHECK (age_30_39 >= 0),
    age_40_49 bigint NOT NULL DEFAULT 0 CHECK (age_40_49 >= 0),
    age_50_59 bigint NOT NULL DEFAULT 0 CHECK (age_50_59 >= 0),
    age_60plus bigint NOT NULL DEFAULT 0 CHECK (age_60plus >= 0),
    edu_sd bigint NOT NULL DEFAULT 0 CHECK (edu_sd >= 0),
    edu_smp bigint NOT NULL DEFAULT 0 CHECK (edu_smp >= 0),
    edu_sma bigint NOT NULL DEFAULT 0 CHECK (edu_sma >= 0),
    edu_d1_d3 bigint NOT NULL DEFAULT 0 CHECK (edu_d1_d3 >= 0),
    edu_s1 bigint NOT NULL DEFAULT 0 CHECK (edu_s1 >= 0),
    edu_s2 bigint NOT NULL DEFAULT 0 CHECK (edu_s2 >= 0),
    edu_s3 bigint NOT NULL DEFAULT 0 CHECK (edu_s3 >= 0),
    occ_pns bigint NOT NULL DEFAULT 0 CHECK (occ_pns >= 0),
    occ_tni bigint NOT NULL DEFAULT 0 CHECK (occ_tni >= 0),
    occ_polri bigint NOT NULL DEFAULT 0 CHECK (occ_polri >= 0),
    occ_swasta bigint NOT NULL DEFAULT 0 CHECK (occ_swasta >= 0),
    occ_wirausaha bigint NOT NULL DEFAULT 0 CHECK (occ_wirausaha >= 0),
    occ_lainnya bigint NOT NULL DEFAULT 0 CHECK (occ_lainnya >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, period_key, service)
);
CREATE INDEX ikm_buckets_period ON ikm_buckets (period_key, service);

-- Gap state per (unit, element, period): locked FOR UPDATE so concurrent intakes decide once.
CREATE TABLE gap_state (
    unit_id text NOT NULL REFERENCES units (unit_id),
    element text NOT NULL CHECK (element ~ '^U[1-9]$'),
    period_key text NOT NULL,
    open boolean NOT NULL DEFAULT false,
    score numeric(5, 2),
    sample_size integer,
    opened_at timestamptz,
    closed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit_id, period_key, element)
);
CREATE INDEX gap_state_open ON gap_state (unit_id) WHERE open;
