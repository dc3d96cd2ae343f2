"""The catalogue of issue codes: every problem kepu can report, its severity and its Chinese message.

An issue row (audit.issues) is one problem found in one place: a file, a sheet, a cell. Codes are
stable identifiers analysts filter on; messages are what the office and the reporting unit read.
Message templates use `{placeholders}` filled from the fields passed to `make_issue`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kepu.schemas.vocabulary import Severity


@dataclass(frozen=True, slots=True)
class IssueKind:
    code: str
    severity: Severity
    template: str
    title: str


_KINDS = (
    # files
    IssueKind("file_not_spreadsheet", "error", "该文件实为{raw}，不是电子表格，请提交 xlsx、xls、ods、et 或 csv 格式的报表。", "不是表格文件"),
    IssueKind("file_unsupported", "error", "文件格式不受支持（{raw}），请在 Excel 或 WPS 中另存为 xlsx 格式后重新报送。", "文件类型不支持"),
    IssueKind("file_unreadable", "error", "文件已损坏，无法读取（{raw}），请检查后重新报送。", "文件无法读取"),
    IssueKind("file_encrypted", "error", "文件设有打开密码（{raw}），无法读取，请去除密码后重新报送。", "文件加密"),
    IssueKind("file_empty", "error", "文件中没有任何内容（空文件）。", "空文件"),
    IssueKind("file_too_large", "error", "文件超出读取上限：{raw}。一份活动报表远不到这个规模，文件未读取；如确为报表，请删去多余内容后重新报送。", "超出读取上限"),
    IssueKind("file_unsafe", "error", "{raw}内含 XML 实体声明（DOCTYPE/ENTITY），正常的表格文件不会有，疑似恶意构造的文件，未读取。", "疑似恶意文件"),
    IssueKind("document_unsupported", "error", "文件格式不受支持（{raw}），无法可靠读取其中的文字，请另存为 .docx（Word 文档）或 .txt（纯文本）后重新报送，或改用活动报表。", "文档格式不支持"),
    IssueKind("document_macro", "error", "该文件为{raw}，内含宏代码，为安全起见未打开，请另存为不含宏的 .docx 后重新报送。", "含宏文档"),
    IssueKind("file_inaccessible", "error", "文件未能取得或打开：{reason}。", "文件无法打开"),
    IssueKind("bundle_unreadable", "error", "压缩包或其中的文件未能解开：{reason}。", "压缩包无法解开"),
    IssueKind("file_duplicate_copy", "info", "与已收到的文件“{other}”内容完全相同，只记录一次。", "重复文件"),
    IssueKind("no_detail_table", "error", "未找到活动明细表（表头应包含“活动名称”“开始日期”“参与人数”等列），也没有可用的汇总表。", "未找到明细表"),
    IssueKind("formula_no_value", "warning", "单元格含公式但没有计算结果，按空值处理，请在 Excel 中重新计算并保存。", "公式无结果"),
    IssueKind("other_detail_table", "warning", "工作表“{sheet_name}”中也有活动明细，本次只读取了“{used}”表；如两张表都是本单位的活动，请合并到同一张表后重新报送。", "另有明细表未读取"),
    IssueKind("second_detail_sheet", "info", "工作表“{sheet_name}”中也有本单位的活动明细，已与“{used}”表一并读取、计入；两张表中开始日期、活动名称和各项数字都相同的活动只计一次。", "另有明细表已一并读取"),
    IssueKind("sheet_repeat", "info", "工作表“{sheet_name}”第{row}行“{raw}”与{kept}开始日期、活动名称和各项数字都相同，按同一活动只计一次（以前一张表的一行为准）。", "两张明细表中的重复活动"),
    IssueKind("sheet_repeat_differs", "warning", "工作表“{sheet_name}”第{row}行“{raw}”与{kept}开始日期相同、活动名称相同，但数字不同（{figures}），两行均已计入；如是同一活动，请决定 same_event（只计一次），如是两项活动请决定 different_events（分别计入）。", "两张明细表中同名同日的活动数字不同"),
    IssueKind("unit_summary_differs", "warning", "汇总表“{sheet_name}”中{unit_name}的{label}为{stated}，而该单位明细（{detail}）合计为{computed}；明细照常计入，请核实汇总表。", "汇总表与各单位明细不一致"),
    IssueKind("other_campaign_sheet", "info", "工作表“{sheet_name}”是其他活动的报表（{campaign}），未读取；本次读取的是“{used}”表。", "其他活动的工作表"),
    IssueKind("parse_failed", "error", "读取文件内容时发生意外错误，文件暂不计入；市科协将核查后告知处理办法。", "读取出错"),
    # identity and versions
    IssueKind("unit_unidentified", "error", "无法确定报送单位：单位代码、填报单位、标题行、文件名和所在文件夹都无法与单位名录对应，数据暂不计入。", "单位无法识别"),
    IssueKind("unit_conflict", "error", "单位代码“{code_value}”对应“{code_unit}”，填报单位“{name_value}”对应“{name_unit}”，二者不一致，数据暂不计入。", "单位信息矛盾"),
    IssueKind("unit_code_unknown", "warning", "单位代码“{raw}”不在单位名录中，已按其他信息识别为“{unit_name}”。", "单位代码未知"),
    IssueKind("forwarded_unit_unknown", "warning", "转报表第{row}行单位列“{raw}”{reason}，无法确定是哪个单位的活动；写有此名称的{rows}行仍计入本表的填报单位“{unit_name}”。如确为其他单位的活动，请改为单位名录中的名称或代码后重新报送。", "转报单位无法识别"),
    IssueKind("submission_superseded", "info", "本文件已被同一单位较新的报送版本（{newer}）替代，不再计入汇总。", "旧版本"),
    IssueKind("reported_on_unparseable", "warning", "填报日期“{raw}”无法识别，按收到时间排序版本。", "填报日期无法识别"),
    IssueKind("submission_empty", "error", "文件中没有可计入的活动记录。", "无有效记录"),
    IssueKind("version_disjoint", "warning", "本文件（{newer}）与它所替代的较早版本（{older}）没有一项相同的活动（开始日期和活动名称），已按新版本替代处理，较早版本的活动不再计入；如本文件只是补报，请登记处理决定 supplement，如确为修改后的完整报表则无需处理。", "新旧版本无相同活动"),
    IssueKind("forwarded_repeat", "info", "{forwarder}转报表第{row}行“{raw}”与本单位自己报送的{kept}开始日期相同、活动名称相同，按同一活动只计一次（以本单位自己的一行为准）。", "转报活动与本单位报送重复"),
    IssueKind("forwarded_repeat_differs", "warning", "{forwarder}转报表第{row}行“{raw}”与本单位自己报送的{kept}开始日期相同、活动名称相同，按同一活动只计一次（以本单位自己的一行为准），但两处的数字不同（{figures}），请核实。", "转报活动与本单位报送数字不同"),
    IssueKind("forwarded_differs", "warning", "{forwarder}的转报表“{forwarded}”中记在本单位名下的{rows}项活动，本单位自己报送的“{own}”中没有，已一并计入（转报只增加、不替代本单位的报送）；如有重复或不是本单位的活动，请核实。", "转报表另有本单位未报的活动"),
    IssueKind("supplement_repeat", "info", "补报文件第{row}行“{raw}”与已计入的{kept}开始日期相同、活动名称相同，按同一活动只计一次（以已计入的一行为准）。", "补报活动重复"),
    # rows
    IssueKind("missing_activity_name", "error", "第{row}行缺少活动名称，该行不计入。", "缺少活动名称"),
    IssueKind("missing_start_date", "error", "第{row}行缺少开始日期，该行不计入。", "缺少开始日期"),
    IssueKind("invalid_start_date", "error", "第{row}行开始日期“{raw}”无法识别，该行不计入。", "开始日期无法识别"),
    IssueKind("month_inferred", "info", "第{row}行开始日期“{raw}”没有写月份，按{where}的{month}月读作{read}；如不对，请写明月份后重新报送。", "日期未写月份"),
    IssueKind("invalid_end_date", "warning", "第{row}行结束日期“{raw}”无法识别，按开始日期处理。", "结束日期无法识别"),
    IssueKind("end_before_start", "error", "第{row}行结束日期早于开始日期，该行不计入。", "结束日期早于开始日期"),
    IssueKind("missing_participants", "error", "第{row}行缺少参与人数，该行不计入。", "缺少参与人数"),
    IssueKind("invalid_participants", "error", "第{row}行参与人数“{raw}”无法识别为数字，该行不计入。", "参与人数无法识别"),
    IssueKind("negative_value", "error", "第{row}行{label}为负数（{raw}），该行不计入。", "数值为负"),
    IssueKind("implausible_participants", "error", "第{row}行参与人数“{raw}”大得不合常理，该行不计入，请核实。", "参与人数不合常理"),
    IssueKind("implausible_value", "warning", "第{row}行{label}“{raw}”大得不合常理，按缺失（0）计，请核实。", "数值不合常理"),
    IssueKind("invalid_value", "warning", "第{row}行{label}“{raw}”无法识别为数字，按缺失（0）计。", "数值无法识别"),
    IssueKind("approximate_value", "info", "第{row}行{label}“{raw}”为约数，按{value}计入。", "约数"),
    IssueKind("spelled_value", "info", "第{row}行{label}“{raw}”是用汉字或“万、千”写的数，按{value}计入。", "汉字数字"),
    IssueKind("ditto_in_figure", "warning", "第{row}行{label}写作“{raw}”（同上），数字不按上一行推算，按未填写处理，请填写实际数字。", "数字列写同上"),
    IssueKind("ditto_without_row_above", "warning", "第{row}行{label}写作“{raw}”（同上），但上面没有可参照的活动行，按未填写处理。", "同上无可参照"),
    IssueKind("figure_with_note", "info", "第{row}行{label}“{raw}”带有说明，按开头的数字{value}计入{approximately}（括号中的说明不另计）。", "数字带说明"),
    IssueKind("unknown_activity_type", "warning", "第{row}行活动形式“{raw}”不在规定类别中，归入“其他”。", "活动形式未知"),
    IssueKind("sheet_outside_window", "warning", "工作表“{sheet_name}”的{rows}项活动日期（{raw}）全部不在科普日活动期间（{window}），均不计入汇总；如这是其他活动的报表，可不处理；如日期填错，请更正后重新报送。", "整张表不在活动期间"),
    IssueKind("outside_window", "warning", "第{row}行活动日期{start}不在科普日活动期间（{window}），不计入汇总。", "不在活动期间"),
    IssueKind("funding_in_yuan", "info", "经费列以“元”为单位，已换算为万元。", "经费单位换算"),
    IssueKind("metric_merged_cell", "warning", "第{row}行{label}位于合并单元格中，只计入合并区域的第一行。", "合并单元格"),
    # checks beyond the row
    IssueKind("total_row_mismatch", "warning", "合计行{label}为{reported}，与{where}各行之和{computed}不一致。", "合计不符"),
    IssueKind("summary_mismatch", "warning", "汇总表{label}为{reported}，与活动明细之和{computed}不一致，以明细为准。", "汇总表与明细不符"),
    IssueKind("summary_only", "info", "本单位只填报了汇总表，按汇总数计入（活动形式记为“未分项”）。", "仅汇总表"),
    # narrative reports (总结, SPEC §3.13)
    IssueKind("figures_from_text", "warning", "本文件是文字总结，不是活动报表：已从{where}读出{figures}，按活动形式作为未分项记录计入汇总（没有逐项活动）。这些数字是从文字中读出的，请核对原文；如有出入，请登记处理决定或请该单位报送活动报表。", "数字读自文字总结"),
    IssueKind("text_figure_unclear", "info", "总结{where}“{raw}”中的“{written}”说不清是哪一项指标（活动场次、参与人次、资料份数……），未计入，请核对。", "总结数字含义不清"),
    IssueKind("text_parts_exceed_total", "warning", "总结{where}所写{label}总数为{total}，各活动形式的分项之和为{parts}，分项多于总数，按分项计入，请核实。", "总结分项多于总数"),
    IssueKind("text_whole_unit_ambiguous", "info", "总结的总述中没有{label}，而文中{count}处写有{label}（{said}），无法确定全单位的数字，未计入，请核对。", "总结中全单位数字不明"),
    IssueKind("text_no_figures", "error", "这是一份文字材料（{raw}），其中没有读出可计入的数字（如“开展科普讲座6场次，听众400余人”），未计入汇总；请用活动报表报送。", "总结中无可计入数字"),
    IssueKind("text_differs_from_sheet", "warning", "本单位既报送了活动报表，也报送了文字总结（{text_file}）：按活动报表计入，总结不重复计入。但总结中{label}为{text_value}，报表为{sheet_value}，二者不一致，请核实。", "总结与报表不一致"),
    IssueKind("summary_unparseable", "warning", "汇总表{label}“{raw}”无法识别为数字。", "汇总表数值无法识别"),
    IssueKind("summary_funding_in_yuan", "info", "汇总表经费以“元”为单位，已换算为万元。", "汇总表经费单位换算"),
    IssueKind("volunteers_exceed_participants", "warning", "第{row}行志愿者人数（{volunteers}）多于参与人数（{participants}），请核实。", "志愿者多于参与人数"),
    IssueKind("outlier_value", "warning", "第{row}行{label}为{raw}，{direction}{reference}的一般水平（中位数{median}）{also}，请核实。", "数值异常"),
    IssueKind("year_over_year_jump", "warning", "本单位{label}为{current}，上一届为{previous}，相差10倍以上，请核实。", "与上届相差悬殊"),
    # the statistician's checks (SPEC §3.7; bounds in schemas/bounds.toml)
    IssueKind("duplicate_row", "warning", "{other}与第{row}行内容完全相同，是否重复填报？（开始日期、活动名称、地点和各项数字都一样，目前两行都计入）", "疑似重复填报"),
    IssueKind("unit_slip_funding", "warning", "第{row}行经费为{raw}万元，{why}，疑似误按“元”填写（如是元，应为{wan}万元），请核实。", "经费疑似按元填写"),
    IssueKind("unit_slip_count", "warning", "第{row}行{label}为{raw}，与本行经费{how}的数额相同，疑似填入了金额，请核实。", "数量列疑似填入金额"),
    IssueKind("bound_exceeded", "warning", "第{row}行{label}为{raw}，超出{activity_type}类活动的合理上限（{bound}），请核实。", "超出合理上限"),
    IssueKind("impossible_boards", "warning", "本单位报送展板共{raw}块（平均每项活动{average}块），但没有{forms}等展示类活动，展板是否填错了列？请核实。", "有展板无展览"),
    IssueKind("impossible_duration", "warning", "第{row}行活动从{start}到{end}共{days}天，长于科普日活动期间（{window}，共{window_days}天），请核实结束日期。", "活动时长超出活动期间"),
    IssueKind("impossible_shifted_column", "warning", "参与人数与序号或行号相同的有{count}行（第{rows}行），疑似列错位（序号填进了参与人数列），请核实。", "疑似列错位"),
    IssueKind("impossible_same_column", "warning", "“{label}”列与相邻的“{other_label}”列逐行完全相同（{count}行），疑似同一数字重复填写，请核实。", "相邻两列完全相同"),
    IssueKind("joint_activity_duplicate", "info", "与“{other_unit}”报送的“{other_name}”为同一活动（同日期、同地点，且主办或合作单位中写明了对方），全市汇总只计一次，保留{kept}的记录。", "联合活动重复"),
    IssueKind("possible_joint_activity", "warning", "第{row}行“{raw}”与“{other_unit}”报送的活动（{other_place}）日期、地点、名称都相同，但双方的主办、合作单位都没有写明对方，暂按两项活动分别计入；如为同一活动，请在合作单位中写明对方单位，或由市科协认定。", "疑似联合活动"),
    # the office's decisions (decisions.csv, SPEC §3.9)
    IssueKind("decision_applied", "info", "市科协决定：{effect}（理由：{reason}）。", "市科协决定"),
    IssueKind("decision_stale", "warning", "decisions.csv 第{line}行（{kind}）：{effect}。", "决定未执行"),
    IssueKind("decision_invalid", "error", "decisions.csv 第{line}行无效：{reason}，该决定未执行。", "决定无效"),
)

CATALOGUE: dict[str, IssueKind] = {k.code: k for k in _KINDS}

STATISTICIAN_CODES = ("duplicate_row", "unit_slip_funding", "unit_slip_count", "bound_exceeded", "outlier_value",
                      "impossible_boards", "impossible_duration", "impossible_shifted_column", "impossible_same_column")
"""The checks a statistician runs before signing (SPEC §3.7, issue #16): warnings `kepu status` counts one by
one, since each is a figure the office should look at before the totals go to the province."""

UNSUPPORTED_FILE_CODES = ("file_not_spreadsheet", "file_unsupported", "document_unsupported")
"""A rejected file that is not a spreadsheet at all (a PDF, a Word document, a web page without a table):
counted apart from the spreadsheets that could not be read (damaged, encrypted, empty, over a limit)."""
REJECTED_FILE_CODES = (*UNSUPPORTED_FILE_CODES, "file_unreadable", "file_encrypted", "file_empty", "file_too_large",
                       "file_unsafe", "document_macro", "file_inaccessible", "bundle_unreadable")
"""The codes a file that cannot be read at all is rejected with: exactly one per rejected file."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in one place. `sheet`/`cell` cite the original workbook (cell as Excel shows it); a
    CSV, TSV or HTML file's one sheet is named after the file, as Excel names it when it opens one."""

    code: str
    severity: Severity
    message: str
    sheet: str | None = None
    cell: str | None = None
    raw_value: str | None = None
    row_number: int | None = None


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def make_issue(code: str, *, sheet: str | None = None, cell: str | None = None, raw=None,
               row: int | None = None, **fields) -> Issue:
    """An issue of a catalogued kind, its message filled from `raw`, `row` and `fields`."""
    kind = CATALOGUE[code]
    raw_text = None if raw is None else _display(raw)
    values = _Blank({k: _display(v) for k, v in fields.items()})
    values.setdefault("raw", raw_text or "")
    if row is not None:
        values.setdefault("row", str(row))
    return Issue(
        code=code,
        severity=kind.severity,
        message=kind.template.format_map(values),
        sheet=sheet or None,
        cell=cell,
        raw_value=raw_text,
        row_number=row,
    )


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return str(value)
