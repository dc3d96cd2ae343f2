-- The office's decisions (SPEC §3.9) on a narrative report's figures (SPEC §3.13), right after decisions_rows: a
-- `correct_value` or `exclude_row` whose cell cites one figure of a 总结 (第3段“听众600余人”, a key of
-- raw.text_figures.phrases) changes the record that counts it by the difference — the new figure less the one the
-- text states; exclude_row: less all of it — so a form told in two paragraphs, or a total whose forms take part of
-- it, stays right. The record keeps its original value beside it (corrected_fields, original_values), as a row
-- does. One row per such decision line, and what decisions_audit says of it (_text_effects).
create or replace temp table _text_corrections as
with figures as (
    select t.campaign_id, t.sha256, t.activity_type, unnest(map_entries(t.phrases)) as e
    from raw.text_figures as t
    where t.campaign_id = (select campaign_id from _campaign) and t.phrases is not null
),
cited as (
    select
        d.line,
        d.kind,
        d.cell,
        trim(coalesce(d.value, '')) as value,
        a.activity_id,
        a.file_sha256,
        a.unit_code,
        s.is_current,
        split_part(f.e.value, ':', 3) = 'total' as is_total,
        split_part(f.e.value, ':', 1) as field,
        try_cast(split_part(f.e.value, ':', 2) as decimal(18, 2)) as stated
    from _decisions as d
    join figures as f on f.campaign_id = d.campaign_id and f.sha256 = d.file_sha256 and f.e.key = trim(d.cell)
    join core.activities as a on a.campaign_id = f.campaign_id and a.file_sha256 = f.sha256 and a.from_text
        and a.activity_type = f.activity_type
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
        and s.unit_code is not distinct from a.unit_code
    where d.kind in ('correct_value', 'exclude_row')
),
typed as (
    select
        *,
        case when kind = 'exclude_row' then cast(0 as decimal(18, 2))
             else try_cast(nullif(replace(replace(value, ',', ''), '，', ''), '') as decimal(18, 2)) end as new_value
    from cited
),
valid as (
    select
        *,
        new_value is not null and new_value >= 0
            and (field = '{{ money_metric }}' or new_value = trunc(new_value)) as is_valid
    from typed
)
select
    *,
    case when not is_valid then null
         when field = '{{ money_metric }}' then cast(new_value as varchar)
         else cast(cast(new_value as bigint) as varchar) end as typed_value,
    case when field = '{{ money_metric }}' then cast(stated as varchar)
         else cast(cast(stated as bigint) as varchar) end as stated_text,
    coalesce(is_current, false) and is_valid and line = max(line) over (partition by activity_id, cell) as applies
from valid;

{% for m in measures %}
update core.activities as a
set
{% if m.key == "activities" %}
    activity_count = cast(greatest(a.activity_count + c.delta, 0) as integer),
    corrected_fields = list_append(coalesce(a.corrected_fields, []::varchar[]), 'activities'),
    original_values = list_append(coalesce(a.original_values, []::varchar[]), cast(a.activity_count as varchar))
{% else %}
    {{ m.key }} = cast(greatest(coalesce(a.{{ m.key }}, 0) + c.delta, 0) as {{ m.type }}),
    {{ m.key }}_approx = false,
    corrected_fields = list_append(coalesce(a.corrected_fields, []::varchar[]), '{{ m.key }}'),
    original_values = list_append(coalesce(a.original_values, []::varchar[]), cast(a.{{ m.key }} as varchar))
{% endif %}
from (
    select activity_id, sum(new_value - coalesce(stated, 0)) as delta
    from _text_corrections
    where applies and field = '{{ m.key }}' and not is_total
    group by activity_id
) as c
where a.activity_id = c.activity_id and a.campaign_id = (select campaign_id from _campaign);
{% endfor %}

-- A total an overall statement gives (「全镇共开展科普活动12场次，参与群众约3000人次」) holds when one of its parts
-- or itself is corrected: 未分项 keeps what the forms leave of it, never below 0.
create or replace temp table _text_totals as
with stated as (
    select t.campaign_id, t.sha256, t.activity_type, unnest(map_entries(t.phrases)) as e
    from raw.text_figures as t
    where t.campaign_id = (select campaign_id from _campaign) and t.phrases is not null
      and t.activity_type = '{{ unitemized_type }}'
)
select
    a.activity_id,
    a.file_sha256,
    a.unit_code,
    split_part(s.e.value, ':', 1) as field,
    try_cast(split_part(s.e.value, ':', 2) as decimal(18, 2))
        + coalesce((select sum(c.new_value - c.stated) from _text_corrections as c
                    where c.applies and c.is_total and c.cell = s.e.key and c.activity_id = a.activity_id), 0) as total
from stated as s
join core.activities as a on a.campaign_id = s.campaign_id and a.file_sha256 = s.sha256 and a.from_text
    and a.activity_type = s.activity_type
where split_part(s.e.value, ':', 3) = 'total'
  and exists (select 1 from _text_corrections as c
              where c.applies and c.file_sha256 = a.file_sha256 and c.unit_code is not distinct from a.unit_code
                and c.field = split_part(s.e.value, ':', 1));

{% for m in measures if m.key in ("activities", "participants") %}
{% set column = "activity_count" if m.key == "activities" else m.key %}
update core.activities as a
set {{ column }} = cast(greatest(t.total - coalesce((
        select sum(p.{{ column }}) from core.activities as p
        where p.campaign_id = a.campaign_id and p.file_sha256 = a.file_sha256 and p.from_text
          and p.unit_code is not distinct from a.unit_code and p.activity_type <> '{{ unitemized_type }}'), 0), 0)
        as {{ "integer" if m.key == "activities" else m.type }}),
{% if m.key != "activities" %}
    {{ m.key }}_approx = false,
{% endif %}
    corrected_fields = list_append(coalesce(a.corrected_fields, []::varchar[]), '{{ m.key }}'),
    original_values = list_append(coalesce(a.original_values, []::varchar[]), cast(a.{{ column }} as varchar))
from _text_totals as t
where t.field = '{{ m.key }}' and t.activity_id = a.activity_id and a.campaign_id = (select campaign_id from _campaign);
{% endfor %}

-- decisions_audit names these lines as it names a row's: the record each changed (its issue citing the paragraph,
-- 第3段, as every issue on a 总结 does), and what it did.
update _decisions as d
set activity_id = c.activity_id,
    cell_address = regexp_extract(c.cell, '第[1-9][0-9]*段', 0)
from _text_corrections as c
where c.line = d.line;

insert into _corrections by name
select line, activity_id, value, field, is_current, typed_value, applies
from _text_corrections;

create or replace temp table _text_effects as
select
    line,
    case when kind = 'correct_value' and coalesce(is_current, false) and not is_valid
         then '“' || value || '”不是有效的' || {{ measure_label("field") }} || '（应为不小于0的'
              || case when field = '{{ money_metric }}' then '数' else '整数' end || '）' end as invalid,
    case when is_valid and coalesce(is_current, false) and not applies
         then '已被后面对总结同一数字的决定取代，未执行' end as stale,
    case when kind = 'correct_value'
         then '已将总结' || cell || '的' || {{ measure_label("field") }} || '由' || stated_text || '改为' || typed_value
              || '，按更正后的数字计入'
         else '已将总结' || cell || '（' || {{ measure_label("field") }} || stated_text || '）排除，不计入汇总' end
        as effect
from _text_corrections;
