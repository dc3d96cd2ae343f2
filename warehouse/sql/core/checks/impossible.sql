-- SPEC §3.7: totals that cannot be, each a warning (thresholds in schemas/bounds.toml):
-- 展板 reported by a unit none of whose activities is of a form that puts boards up (bounds.exhibition: beyond an
-- allowance in all and per activity, since a few roll-ups at a lecture are normal: cited at the row with the
-- most boards); an activity lasting longer than the whole campaign window (cited at its end date's cell, the value
-- to correct, where the end has a column of its own); participants equal to the
-- row's 序号 or row number on several rows of a file (a shifted column); a whole figure column equal, row by
-- row, to the column beside it (one column typed twice).
{% import "core/checks/_macros.sql" as m %}
with rows as (
    select a.*, r.seq, r.start_date_cell, r.end_date_cell{% for f in metrics %}, r.{{ f.key }}_cell{% endfor %}

    from {{ m.counted_rows() }}
    where a.counted and not a.is_unitemized
),
unit_boards as (
    select unit_code, sum(coalesce(boards, 0)) as boards, count(*) as activities,
           arg_max(file_sha256, coalesce(boards, 0)) as file_sha256,
           arg_max(source_sheet, coalesce(boards, 0)) as source_sheet,
           arg_max(boards_cell, coalesce(boards, 0)) as boards_cell,
           arg_max(source_row, coalesce(boards, 0)) as boards_row
    from rows
    where unit_code is not null
    group by unit_code
    having count(*) filter (where activity_type in {{ quoted(bounds.exhibition_forms) }}) = 0
       and sum(coalesce(boards, 0)) > {{ bounds.boards_without_exhibition }}
       and sum(coalesce(boards, 0)) > {{ bounds.boards_per_activity_without_exhibition }} * count(*)
),
shifted as (
    select file_sha256, source_sheet, source_row, participants_cell,
           count(*) over file_rows as file_count,
           count(*) filter (where participants = try_cast(seq as bigint) or participants = source_row)
               over file_rows as matches,
           participants = try_cast(seq as bigint) or participants = source_row as matched
    from rows
    window file_rows as (partition by file_sha256, source_sheet)
),
shifted_files as (
    select file_sha256, source_sheet, min(matches) as matches,
           arg_min(source_row, source_row) as first_row, arg_min(participants_cell, source_row) as first_cell,
           arg_min(participants, source_row) as first_value,
           string_agg(source_row::varchar, '、' order by source_row) as row_list
    from (select s.*, a.participants from shifted as s
          join rows as a on a.file_sha256 = s.file_sha256 and a.source_sheet = s.source_sheet
                        and a.source_row = s.source_row)
    where matched and (matches >= {{ bounds.shifted_min_rows }} or matches = file_count)
    group by file_sha256, source_sheet
)
select u.file_sha256 as sha256,
       {{ issue("impossible_boards", sheet="u.source_sheet", cell="u.boards_cell", row="u.boards_row", raw="u.boards",
                average="format('{:g}', round(u.boards / u.activities, 1))",
                forms="'" ~ bounds.exhibition_forms|join("、") ~ "'") }}
from unit_boards as u
union all by name
select r.file_sha256 as sha256,
       {{ issue("impossible_duration", sheet="r.source_sheet", cell="coalesce(r.end_date_cell, r.start_date_cell)", row="r.source_row",
                raw="r.end_date", start="r.start_date", end="r.end_date",
                days="r.end_date - r.start_date + 1", window="k.window_text",
                window_days="k.end_date - k.start_date + 1") }}
from rows as r
join _campaign as k on true
where r.end_date - r.start_date + 1 > k.end_date - k.start_date + 1
union all by name
select f.file_sha256 as sha256,
       {{ issue("impossible_shifted_column", sheet="f.source_sheet", cell="f.first_cell", row="f.first_row",
                raw="f.first_value", count="f.matches", rows="f.row_list") }}
from shifted_files as f
{% for i in range(metrics|length) %}
{% for j in range(i + 1, metrics|length) %}
{% set a = metrics[i] %}{% set b = metrics[j] %}
union all by name
select file_sha256 as sha256,
       {{ issue("impossible_same_column", sheet="source_sheet", cell="first_cell", row="first_row",
                raw="first_value", label="'" ~ b.noun ~ "'", other_label="'" ~ a.noun ~ "'", count="n") }}
from (
    select file_sha256, source_sheet,
           count(*) as n,
           arg_min(source_row, source_row) as first_row,
           arg_min({{ b.key }}_cell, source_row) as first_cell,
           arg_min({{ m.shown(b.key, b.key) }}, source_row) as first_value
    from rows
    group by file_sha256, source_sheet
    having bool_and(coalesce({{ a.key }}, 0) = coalesce({{ b.key }}, 0))
       and count(*) filter (where coalesce({{ a.key }}, 0) <> 0) >= {{ bounds.same_column_min_rows }}
       and abs(max({{ m.column_number(a.key ~ "_cell") }}) - max({{ m.column_number(b.key ~ "_cell") }})) = 1
)
{% endfor %}
{% endfor %}
