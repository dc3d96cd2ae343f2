-- The office's decisions (SPEC §3.9), 6, after the checks: what each line of decisions.csv did — applied,
-- recorded (a supplement: the version rule reads it; a confirm: the office checked, no figure changes), stale (its
-- target is gone: a decision_stale warning, nothing done) or invalid (a decision_invalid error; the lines
-- transforms.decisions could not read come in as _decision_invalid) — said in Chinese, into audit.decisions; each
-- applied decision also an info issue on the file it changed (so the unit's 回执 shows it), and no
-- possible_joint_activity left on a pair the office decided.
create or replace temp table _decision_outcomes as
with facts as (
    select
        d.*,
        sf.file_path, sf.unit_code as file_unit, sf.is_current, sf.status as file_status,
        sf.superseded_by, sf.activity_rows as file_rows, sf.received_at,
        a.source_sheet, a.source_row, a.activity_name, a.counted as row_counted, a.in_window as row_in_window, a.corrected_fields,
        a.original_values, a.row_status, a.reject_code,
        sb.is_current as other_is_current, sb.superseded_by as other_superseded_by, sb.status as other_status,
        b.source_row as other_row_no, b.source_sheet as other_sheet_name, b.source_cell as other_source_cell, b.counted as other_counted, ub.unit_name as other_unit_name,
        c.field, c.typed_value, c.applies,
        p.usable, p.row_root, p.other_root, p.row_duplicate_of, p.other_duplicate_of,
        ua.unit_name as assigned_name,
        te.invalid as text_invalid, te.stale as text_stale, te.effect as text_effect,
        max(d.line) over (partition by d.kind, d.file_sha256) as last_file_line
    from _decisions as d
    left join core.activities as a on a.campaign_id = d.campaign_id and a.activity_id = d.activity_id
    left join core.activities as b on b.campaign_id = d.campaign_id and b.activity_id = d.other_activity_id
    -- a file's own part, or the part of a forwarded table the decision's row belongs to (SPEC §3.10)
    left join core.submissions as sf on sf.campaign_id = d.campaign_id and sf.file_sha256 = d.file_sha256
        and (case when a.activity_id is null then sf.forwarded_by is null
                  else sf.unit_code is not distinct from a.unit_code end)
    left join core.submissions as sb on sb.campaign_id = d.campaign_id and sb.file_sha256 = d.other_sha256
        and (case when b.activity_id is null then sb.forwarded_by is null
                  else sb.unit_code is not distinct from b.unit_code end)
    left join _units as ub on ub.unit_code = sb.unit_code
    left join _corrections as c on c.line = d.line
    left join _decision_pairs as p on p.line = d.line
    left join _units as ua on ua.unit_code = d.unit_code
    left join _text_effects as te on te.line = d.line  -- a figure of a 总结 (decisions_text)
),
judged as (
    select
        *,
        case
            when text_effect is not null then text_invalid
            when kind = 'correct_value' and activity_id is not null and is_current and field is null
                then '单元格' || cell || '不是可更正的列（可更正：{{ correctable_labels }}）'
            when kind = 'correct_value' and activity_id is not null and is_current and typed_value is null
                then '“' || coalesce(value, '') || '”不是有效的' || {{ field_label("field") }}
            when kind = 'correct_value' and activity_id is not null and is_current
                 and field in {{ quoted(metric_keys) }} and starts_with(typed_value, '-')
                then {{ field_label("field") }} || '不能为负数（' || value || '）'
        end as invalid_reason,
        case
            when file_sha256 is null then '目标已不存在（找不到文件“' || file || '”），未执行'
            when kind = 'assign_unit' and assigned_name is null
                then '单位代码“' || unit_code || '”不在单位名录中，未执行'
            when kind in ('assign_unit', 'exclude_file', 'supplement', 'accept_on_time') and line < last_file_line
                then '已被第' || last_file_line || '行的同类决定取代，未执行'
            when kind in ('assign_unit', 'exclude_file', 'supplement') then null
            when not coalesce(is_current, false) and superseded_by is not null
                then '目标已不存在（该单位已报送新版本），未执行'
            when not coalesce(is_current, false)
                then '目标文件未计入汇总（' || {{ status_label("file_status") }} || '），未执行'
            when kind = 'accept_on_time' then null
            -- a confirm of a file, or of a 总结's paragraph (第3段): the file is enough
            when kind = 'confirm' and (cell is null or regexp_matches(cell, '^(正文!)?第[1-9][0-9]*段$')) then null
            when activity_id is null
                then '目标已不存在（文件中第' || coalesce(cast(cell_row as varchar), '?') || '行没有活动记录），未执行'
            when kind in ('same_event', 'different_events') and other_sha256 is null
                then '目标已不存在（找不到文件“' || other_file || '”），未执行'
            when kind in ('same_event', 'different_events') and other_activity_id is null
                then '目标已不存在（文件中第' || coalesce(cast(other_row as varchar), '?') || '行没有活动记录），未执行'
            when kind in ('same_event', 'different_events') and not coalesce(other_is_current, false)
                 and other_superseded_by is not null
                then '目标已不存在（另一单位已报送新版本），未执行'
            when kind in ('same_event', 'different_events') and not coalesce(usable, false)
                then '两行中有未计入汇总的行，未执行'
            when text_stale is not null then text_stale
            when kind = 'correct_value' and field is not null and typed_value is not null and not applies
                 and (field not in {{ quoted(metric_keys) }} or not starts_with(typed_value, '-'))
                then '已被后面对同一单元格的更正取代，未执行'
        end as stale_reason
    from facts
)
select
    j.*,
    case
        when invalid_reason is not null then 'invalid'
        when stale_reason is not null then 'stale'
        when kind in ('supplement', 'confirm') then 'recorded'
        else 'applied'
    end as outcome,
    case
        when invalid_reason is not null then invalid_reason || '，未执行'
        when stale_reason is not null then stale_reason
        when text_effect is not null then text_effect
        when kind = 'assign_unit' then '已将文件“' || file_path || '”归入' || assigned_name || '（' || unit_code || '）'
            || case when is_current then '，作为其现行版本计入汇总'
                    when superseded_by is not null then '；该单位已有更新的版本，此文件不计入'
                    else '；文件中没有可计入的记录（' || {{ status_label("file_status") }} || '）' end
        when kind = 'supplement' then '已记录：文件“' || file_path || '”为补报，追加到本单位现行版本（由版本规则执行）'
        when kind = 'confirm' then '已记录：'
            || case when activity_id is not null then '第' || source_row || '行“' || coalesce(activity_name, '') || '”'
                    else '文件“' || file_path || '”' || coalesce(regexp_replace(cell, '^正文!', ''), '') end
            || '经核实无误，数字不变'
        when kind = 'exclude_file' then '已将文件“' || file_path || '”整个排除（' || file_rows || '行），不计入汇总'
        when kind = 'accept_on_time' then
            case when cast(received_at as date) <= (select deadline from _campaign)
                 then '该文件本已在截止日期前收到，按时计'
                 else '已将' || date_diff('day', (select deadline from _campaign), cast(received_at as date))
                      || '天后收到的文件按时计' end
        when kind = 'exclude_row' then '已将第' || source_row || '行“' || coalesce(activity_name, '') || '”排除，不计入汇总'
        when kind = 'correct_value' then '已将第' || source_row || '行' || {{ field_label("field") }} || '由'
            || coalesce(original_values[list_position(corrected_fields, field)], '空') || '改为' || typed_value
            || case when not row_counted then '（该行仍不计入汇总：' || case when not row_in_window
                    then '不在活动期间' else '该行另有错误' end || '）' else '' end
        when kind = 'same_event' and row_root = other_root and row_duplicate_of is null and other_duplicate_of is null
            then '两行本为同一条记录，无需处理'
        when kind = 'same_event' and row_root = other_root then '两行已按联合活动合并，只计一次，无需处理'
        when kind = 'same_event' then '已认定第' || source_row || '行“' || coalesce(activity_name, '') || '”与'
            || coalesce(other_unit_name, '') || '第' || other_row_no || '行为同一活动，只计一次'
        when kind = 'different_events' and row_root = other_root
            then '已认定为两项不同活动，取消联合活动的合并，分别计入'
        when kind = 'different_events' then '已认定为两项不同活动，分别计入，不再提示疑似联合活动'
    end as effect
from judged as j;

-- audit.decisions: every line, the unreadable ones included.
delete from audit.decisions where campaign_id = (select campaign_id from _campaign);
insert into audit.decisions by name
select
    o.campaign_id, o.line, o.kind, {{ kind_label("o.kind") }} as kind_label, o.file, o.file_sha256,
    coalesce(case when o.kind = 'assign_unit' then o.unit_code end, o.file_unit) as unit_code,
    u.unit_name,
    o.cell, o.value, o.other_file, o.other_sha256, o.other_cell, o.reason, o.decided_by, o.decided_at,
    o.outcome, o.effect
from _decision_outcomes as o
left join _units as u on u.unit_code = coalesce(case when o.kind = 'assign_unit' then o.unit_code end, o.file_unit)
union all by name
select
    k.campaign_id, cast(i.line as integer) as line, null as kind, null as kind_label, 'invalid' as outcome,
    i.reason || '，未执行' as effect
from _decision_invalid as i
cross join _campaign as k;

-- A decided pair raises no possible_joint_activity any more.
delete from _core_issues as i
where i.code = 'possible_joint_activity'
  and exists (
      select 1 from _decision_outcomes as o
      join core.activities as a on a.activity_id in (o.activity_id, o.other_activity_id)
      where o.outcome = 'applied' and o.kind in ('same_event', 'different_events')
        and a.campaign_id = o.campaign_id and a.file_sha256 = i.sha256 and a.source_sheet = i.sheet
        and a.source_row = i.row_number);

insert into _core_issues by name
select
    case when o.kind = 'same_event' then o.other_sha256 else o.file_sha256 end as sha256,
    {{ issue("decision_applied", sheet="case when o.kind = 'same_event' then o.other_sheet_name else o.source_sheet end",
             cell="case when o.kind = 'correct_value' then o.cell_address end",
             raw="case when o.kind = 'correct_value' then o.original_values[list_position(o.corrected_fields, o.field)] end",
             row="case when o.kind = 'same_event' then o.other_row_no else o.source_row end",
             effect="o.effect", reason="o.reason") }}
from _decision_outcomes as o
where o.outcome = 'applied'
union all by name
select null as sha256,
       {{ issue("decision_stale", raw="o.file", line="o.line", kind=kind_label("o.kind"), effect="o.effect") }}
from _decision_outcomes as o
where o.outcome = 'stale'
union all by name
select null as sha256,
       {{ issue("decision_invalid", raw="o.value", line="o.line", reason="o.invalid_reason") }}
from _decision_outcomes as o
where o.outcome = 'invalid'
union all by name
select null as sha256,
       {{ issue("decision_invalid", raw="i.text", line="i.line", reason="i.reason") }}
from _decision_invalid as i;
