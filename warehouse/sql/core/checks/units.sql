-- SPEC §3.7: money in the wrong unit. 经费 is reported in 万元: a figure above its form's plausible bound
-- (schemas/bounds.toml), or a whole number from bounds.whole_yuan_from up, was probably typed in 元 — the
-- warning shows it in 万元. And a 份 or 块 figure equal to its row's 经费 in 元 (or in 万元, from
-- bounds.money_like_from up) holds an amount of money, not copies or boards. A file whose 经费 header said 元
-- (converted while reading: funding_in_yuan) is judged by its bound in bounds.sql instead.
{% import "core/checks/_macros.sql" as m %}
with rows as (
    select a.*, r.funding_wan_cell, r.materials_cell, r.boards_cell,
           {{ m.bound("a.activity_type", "funding_wan") }} as funding_bound
    from {{ m.counted_rows() }}
    where a.counted and not a.is_unitemized
),
in_yuan as ({{ m.files_in_yuan() }})
select file_sha256 as sha256,
       {{ issue("unit_slip_funding", sheet="source_sheet", cell="funding_wan_cell", row="source_row",
                raw="funding_wan",
                why="case when funding_wan > funding_bound "
                    "then format('超出{}类活动的合理上限（{:g}万元）', activity_type, funding_bound) "
                    "else '为' || " ~ bounds.whole_yuan_from|int ~ " || '以上的整数' end",
                wan="cast(cast(funding_wan / 10000 as decimal(14, 4)) as varchar)") }}
from rows
where file_sha256 not in (select sha256 from in_yuan)
  and (funding_wan > funding_bound or (funding_wan >= {{ bounds.whole_yuan_from }} and funding_wan = trunc(funding_wan)))
{% for field in ("materials", "boards") %}
union all by name
select file_sha256 as sha256,
       {{ issue("unit_slip_count", sheet="source_sheet", cell=field ~ "_cell", row="source_row", raw=field,
                label="'" ~ measure[field].noun ~ "'",
                how="case when " ~ field ~ " = funding_wan * 10000 then format('（{}万元）按元计', funding_wan) "
                    "else format('（{}万元）', funding_wan) end") }}
from rows
where funding_wan > 0 and {{ field }} > 0
  and ({{ field }} = funding_wan * 10000
       or ({{ field }} = funding_wan and {{ field }} >= {{ bounds.money_like_from }}))
{% endfor %}
