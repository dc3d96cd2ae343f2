-- 变更说明 (SPEC §3.12): one row per figure of a campaign that differs from its last signed edition — level (city,
-- district, unit, type), code and measure, the signed and the current value, the difference, and `causes`: the
-- changes behind it (audit.edition_causes) in Chinese — those of the figure's own unit; for a district, the city or
-- an activity form, those of the units in it whose own figure of that measure changed (any of its units' when
-- none did). Only figures that changed have rows.
create or replace view marts.changes_since_signed as
with last as (
    select e.campaign_id, e.edition_no from audit.editions as e
    where e.edition_no = (select max(x.edition_no) from audit.editions as x where x.campaign_id = e.campaign_id)
),
signed as (
    select f.* from audit.edition_figures as f
    join last as l on l.campaign_id = f.campaign_id and l.edition_no = f.edition_no
),
now as (
    select p.* from marts.published_figures as p where p.campaign_id in (select campaign_id from last)
),
compared as (
    select
        coalesce(s.campaign_id, n.campaign_id) as campaign_id,
        coalesce(s.level, n.level) as level,
        coalesce(s.code, n.code) as code,
        coalesce(n.name, s.name) as name,
        coalesce(s.measure, n.measure) as measure,
        s.value as signed_value,
        n.value as current_value
    from signed as s
    full join now as n on n.campaign_id = s.campaign_id and n.level = s.level and n.code = s.code
        and n.measure = s.measure
    where coalesce(n.value, 0) <> coalesce(s.value, 0)
),
changed as (
    select c.*, l.edition_no,
           case c.level when 'district' then c.code
                        when 'unit' then (select u.district_code from core.units as u
                                          where u.campaign_id = c.campaign_id and u.unit_code = c.code) end
               as district_code
    from compared as c
    join last as l on l.campaign_id = c.campaign_id
),
unit_changed as (
    select campaign_id, code as unit_code, measure from changed where level = 'unit'
),
cause_types as (
    -- the activity forms a change touches: its file's, and for a new version those of the files it replaced
    select distinct x.campaign_id, x.cause_no, a.activity_type
    from audit.edition_causes as x
    join core.activities as a on a.campaign_id = x.campaign_id and a.file_sha256 = x.file_sha256
        and a.unit_code is not distinct from x.unit_code
    union
    select x.campaign_id, x.cause_no, a.activity_type
    from audit.edition_causes as x
    join audit.edition_files as e on e.campaign_id = x.campaign_id and e.edition_no = x.edition_no
        and e.unit_code = x.unit_code and e.forwarded_by is null
    join core.activities as a on a.campaign_id = e.campaign_id and a.file_sha256 = e.file_sha256
        and a.unit_code = e.unit_code
    where x.kind = 'new_version'
),
attached as (
    select c.campaign_id, c.level, c.code, c.measure, x.cause_no, x.cause,
           exists (select 1 from unit_changed as uc
                   where uc.campaign_id = c.campaign_id and uc.unit_code = x.unit_code and uc.measure = c.measure)
               as direct
    from changed as c
    join audit.edition_causes as x on x.campaign_id = c.campaign_id
    where case c.level
        when 'unit' then x.unit_code = c.code
        when 'district' then x.district_code = c.code
        when 'city' then true
        when 'type' then exists (select 1 from cause_types as t
                                 where t.campaign_id = x.campaign_id and t.cause_no = x.cause_no
                                   and t.activity_type = c.code)
    end
),
kept as (
    select * from attached
    qualify direct or level = 'unit' or not bool_or(direct) over (partition by campaign_id, level, code, measure)
),
texts as (
    select campaign_id, level, code, measure, string_agg(cause, '；' order by cause_no) as causes
    from kept
    group by all
)
select
    c.campaign_id,
    c.edition_no,
    c.level,
    c.code,
    c.name,
    c.district_code,
    c.measure,
    c.signed_value,
    c.current_value,
    cast(coalesce(c.current_value, 0) - coalesce(c.signed_value, 0) as decimal(18, 2)) as delta,  -- a type DuckDB 1.x binds alike
    coalesce(t.causes, '未找到对应的文件或决定变化（可能是单位名录或联合活动认定的变化）') as causes
from changed as c
left join texts as t on t.campaign_id = c.campaign_id and t.level = c.level and t.code = c.code
    and t.measure = c.measure;
