-- Joint activities (SPEC §3.5), 2: the pairs with evidence, found by a join, never by comparing every row
-- with every other. A row that names another unit meets that unit's rows of the same day; a pair stands when
-- the venues are equal after normalisation (or the longer contains the shorter) and the names are equal or
-- nearly so. Each row keeps at most one partner row per other unit, the best (same name, then the most similar,
-- then the same venue), and a pair is a match only when each is the other's best.
create or replace temp table _joint_pairs as
with linked as (
    select distinct
        least(a.activity_id, b.activity_id) as x_id,
        greatest(a.activity_id, b.activity_id) as y_id
    from _joint_links as l
    join _joint_rows as a on a.activity_id = l.activity_id
    join _joint_rows as b on b.unit_code = l.named_unit and b.start_date = a.start_date
    where b.unit_code <> a.unit_code
),
compared as (
    select
        l.x_id,
        l.y_id,
        x.unit_code as x_unit,
        y.unit_code as y_unit,
        x.name_key = y.name_key as same_name,
        1 - levenshtein(x.name_key, y.name_key) / greatest(length(x.name_key), length(y.name_key))
            as name_similarity,
        x.venue_key = y.venue_key as same_venue,
        (length(x.venue_key) >= {{ rules.MIN_CONTAINED_VENUE }} and contains(y.venue_key, x.venue_key))
            or (length(y.venue_key) >= {{ rules.MIN_CONTAINED_VENUE }} and contains(x.venue_key, y.venue_key))
            as venue_contained
    from linked as l
    join _joint_rows as x on x.activity_id = l.x_id
    join _joint_rows as y on y.activity_id = l.y_id
)
select *
from compared
where (same_venue or venue_contained) and (same_name or name_similarity >= {{ rules.NAME_SIMILARITY }});

create or replace temp table _joint_matches as
with sides as (
    select x_id as row_id, y_id as other_id, y_unit as other_unit, same_name, name_similarity, same_venue
    from _joint_pairs
    union all
    select y_id as row_id, x_id as other_id, x_unit as other_unit, same_name, name_similarity, same_venue
    from _joint_pairs
),
ranked as (
    select
        *,
        row_number() over (
            partition by row_id, other_unit
            order by same_name desc, name_similarity desc, same_venue desc, other_id) as rank
    from sides
)
select a.row_id, a.other_id
from ranked as a
join ranked as b on b.row_id = a.other_id and b.other_id = a.row_id
where a.rank = 1 and b.rank = 1;

-- Which copy is kept: the one from the unit named as organizer (by the row itself or by a row it matches),
-- else the one received first. `priority` 1 is kept before all others.
create or replace temp table _joint_priority as
with matched as (
    select distinct row_id as activity_id from _joint_matches
),
sources as (
    select row_id as activity_id, other_id as source_id from _joint_matches
    union
    select activity_id, activity_id as source_id from matched
),
named_organizer as (
    select distinct s.activity_id
    from sources as s
    join _joint_rows as j on j.activity_id = s.activity_id
    join _joint_links as l on l.activity_id = s.source_id and l.role = 'organizer' and l.named_unit = j.unit_code
)
select
    m.activity_id,
    row_number() over (order by (o.activity_id is not null) desc, j.received_at, m.activity_id) as priority
from matched as m
join _joint_rows as j on j.activity_id = m.activity_id
left join named_organizer as o on o.activity_id = m.activity_id;

create or replace temp table _joint_kept (activity_id varchar primary key, kept_id varchar not null);
