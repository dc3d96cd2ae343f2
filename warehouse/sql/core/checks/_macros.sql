{#- What the statistician's checks share (imported, not run): the rows they look at and the bounds of
    schemas/bounds.toml as SQL expressions. -#}

{#- The counted detail rows of the units' current versions, as `a`, with their raw row as `r` (its cells). -#}
{% macro counted_rows() -%}
core.activities as a
join _campaign as k on k.campaign_id = a.campaign_id
join core.submissions as s on s.campaign_id = a.campaign_id and s.file_sha256 = a.file_sha256 and s.is_current
    and s.unit_code is not distinct from a.unit_code
join raw.activity_rows as r
    on r.campaign_id = a.campaign_id and r.sha256 = a.file_sha256
    and r.source_sheet = a.source_sheet and r.source_row = a.source_row
{%- endmacro %}

{#- The files whose 经费 header said 元 (converted while reading: a funding_in_yuan parse issue). -#}
{% macro files_in_yuan() -%}
select distinct p.sha256 from raw.parse_issues as p join _campaign as k on k.campaign_id = p.campaign_id
where p.code = 'funding_in_yuan'
{%- endmacro %}

{#- The plausibility bound of `measure` for an activity of the form `type_expr` (bounds.toml). -#}
{% macro bound(type_expr, measure) -%}
{% set own = bounds.overrides(measure) %}
{% if own %}case {{ type_expr }}{% for form, value in own %} when '{{ form }}' then {{ value }}{% endfor %} else {{ bounds.default[measure] }} end{% else %}{{ bounds.default[measure] }}{% endif %}
{%- endmacro %}

{#- A column's letters (`I` of `I12`) as its number (I = 9, AA = 27). -#}
{% macro column_number(cell) -%}
list_reduce(list_transform(split(regexp_extract({{ cell }}, '^[A-Z]+'), ''), lambda c: ascii(c) - 64), lambda x, y: x * 26 + y)
{%- endmacro %}

{#- A figure as the office reads it: 万元 with two decimals, counts whole. -#}
{% macro shown(measure, expr) -%}
{% if measure == "funding_wan" %}cast(cast({{ expr }} as decimal(14, 2)) as varchar){% else %}cast(cast({{ expr }} as bigint) as varchar){% endif %}
{%- endmacro %}
