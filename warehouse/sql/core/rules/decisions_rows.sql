-- The office's decisions (SPEC §3.9), 4, once versions are judged: the decisions on one row, applied to rows of
-- their unit's current version only (a row of a superseded file is history: the decision is stale, see
-- decisions_audit). `correct_value`: the cell's field takes the new value, the row keeps the original beside it
-- (corrected_fields, original_values) and its row rules are judged again — a row rejected for the very value
-- corrected (「四千左右」, a negative count, a missing date) counts once the correction makes it whole, and a
-- start date corrected into or out of the window moves the row with it. `exclude_row`: the row does not count.
-- Then each current file's counts, and partial → accepted when no rejected row is left.

-- Which field each column of a file's detail table holds, from the cells the reader recorded.
create or replace temp table _decision_columns as
select distinct sha256, source_sheet, field, regexp_extract(upper(cell), '^([A-Z]+)', 1) as column_letters
from (
{% for f in correctable %}
    select r.sha256, r.source_sheet, '{{ f }}' as field, r.{{ f }}_cell as cell
    from raw.activity_rows as r
    where r.campaign_id = (select campaign_id from _campaign)
      and r.sha256 in (select file_sha256 from _decisions where kind = 'correct_value')
      and r.{{ f }}_cell is not null
{{ "    union all" if not loop.last }}
{% endfor %}
);

create or replace temp table _corrections as
with targets as (
    select
        d.line,
        d.activity_id,
        trim(d.value) as value,
        c.field,
        s.is_current
    from _decisions as d
    join core.activities as a on a.campaign_id = d.campaign_id and a.activity_id = d.activity_id
    join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256
        and s.unit_code is not distinct from a.unit_code
    left join _decision_columns as c
        on c.sha256 = a.file_sha256 and c.source_sheet = a.source_sheet
        and c.column_letters = regexp_extract(d.cell_address, '^([A-Z]+)', 1)
    where d.kind = 'correct_value'
),
typed as (
    select
        *,
        case
{% for f in text_fields %}
            when field = '{{ f }}' then nullif(value, '')
{% endfor %}
{% for f in date_fields %}
            when field = '{{ f }}' then cast(coalesce(try_cast(value as date),
                                                 try_strptime(value, '%Y/%m/%d')::date,
                                                 try_strptime(value, '%Y.%m.%d')::date,
                                                 try_strptime(value, '%Y年%m月%d日')::date) as varchar)
{% endfor %}
            when field = 'activity_type' then case when value in {{ quoted(type_choices) }} then value end
{% for m in metrics %}
            when field = '{{ m.key }}' then cast(try_cast(nullif(replace(replace(value, ',', ''), '，', ''), '') as {{ m.type }}) as varchar)
{% endfor %}
        end as typed_value
    from targets
)
select
    t.*,
    t.is_current and t.field is not null and t.typed_value is not null
        and (t.field not in {{ quoted(metric_keys) }} or not starts_with(t.typed_value, '-'))
        and t.line = max(t.line) over (partition by t.activity_id, t.field) as applies
from typed as t;

{% for f in correctable %}
update core.activities as a
{% if f == "partners" %}
set partners = [trim(x) for x in regexp_split_to_array(c.typed_value, '{{ partner_separators }}') if trim(x) <> ''],
{% elif f == "activity_type" %}
set activity_type = c.typed_value, activity_type_raw = c.typed_value,
{% else %}
set {{ f }} = c.typed_value::{{ field_types[f] }},
{% endif %}
{% if f in metric_keys %}
    {{ f }}_approx = false,
{% endif %}
{% if f == "start_date" %}
    -- a one-day activity (its end date the start date written, or filled in from it) moves with its start
    end_date = case when a.end_date is null or a.end_date = a.start_date then c.typed_value::date else a.end_date end,
{% endif %}
    corrected_fields = list_append(coalesce(a.corrected_fields, []::varchar[]), '{{ f }}'),
{% if f == "partners" %}
    original_values = list_append(coalesce(a.original_values, []::varchar[]), array_to_string(a.partners, '、'))
{% else %}
    original_values = list_append(coalesce(a.original_values, []::varchar[]), cast(a.{{ f }} as varchar))
{% endif %}
from _corrections as c
where c.applies and c.field = '{{ f }}' and c.activity_id = a.activity_id
  and a.campaign_id = (select campaign_id from _campaign);
{% endfor %}

-- A corrected row judged again by the row rules (SPEC §2.3, §3.3): the office's value is taken as verified, so
-- no plausibility bound applies to it.
update core.activities as a
set row_status = case when ok then 'ok' else a.row_status end,
    reject_code = case when ok then null else a.reject_code end,
    in_window = coalesce(a.start_date between k.start_date and k.end_date, false),
    counted = ok and coalesce(a.start_date between k.start_date and k.end_date, false)
from (
    select
        a.activity_id,
        a.activity_name is not null and a.start_date is not null and a.participants is not null
            and (a.end_date is null or a.end_date >= a.start_date)
{% for m in metrics %}
            and coalesce(a.{{ m.key }}, 0) >= 0
{% endfor %}
            and (a.row_status = 'ok' or a.reject_code in {{ correctable_rejections }}) as ok
    from core.activities as a
    where a.campaign_id = (select campaign_id from _campaign)
      and a.activity_id in (select activity_id from _corrections where applies)
) as j, _campaign as k
where a.activity_id = j.activity_id and a.campaign_id = k.campaign_id;

update core.activities as a
set counted = false
from _decisions as d
join core.submissions as s on s.campaign_id = d.campaign_id and s.file_sha256 = d.file_sha256 and s.is_current
where d.kind = 'exclude_row' and d.activity_id = a.activity_id and a.campaign_id = d.campaign_id
  and s.unit_code is not distinct from a.unit_code;

update core.submissions as s
set counted_rows = c.counted_rows,
    rejected_rows = c.rejected_rows,
    status = case when s.status = 'partial' and c.rejected_rows = 0 then 'accepted' else s.status end
from (
    select file_sha256, unit_code,
           count(*) filter (where counted) as counted_rows,
           count(*) filter (where row_status = 'rejected') as rejected_rows
    from core.activities
    where campaign_id = (select campaign_id from _campaign)
      and file_sha256 in (select file_sha256 from _decisions where kind in ('correct_value', 'exclude_row'))
    group by file_sha256, unit_code
) as c
where s.file_sha256 = c.file_sha256 and s.unit_code is not distinct from c.unit_code and s.is_current and s.campaign_id = (select campaign_id from _campaign);
