//! The report as an Excel workbook (rust_xlsxwriter): the sheets «Реестр», «Недели» and
//! «Проблемы», each with a bold frozen header, filters on every column, set widths, and dates
//! as real Excel dates (a number with a date format), so ЦУР can sort and filter them.
//!
//! Rows stream into each sheet one at a time ("low memory" sheets: one row in memory, the
//! strings shared), because a district's year is over a million cells.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::Report;
use super::table::{self, Cell, Table};

/// Why the workbook could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct XlsxFailure(#[from] XlsxError);

/// The workbook's bytes.
pub fn to_xlsx(report: &Report) -> Result<Vec<u8>, XlsxFailure> {
    let mut book = Workbook::new();
    // Most of the time of a large workbook goes to deflating its XML: level 1 takes about
    // half the time of the default 6 for a file some 20% larger.
    book.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let wrap = Format::new().set_text_wrap();
    for table in Table::ALL {
        let sheet = table.sheet();
        let ws = book.add_worksheet_with_low_memory()?;
        ws.set_name(&sheet.name)?;
        for (col, width) in (0u16..).zip(&sheet.widths) {
            ws.set_column_width(col, *width)?;
        }
        for (col, title) in (0u16..).zip(&sheet.header) {
            ws.write_string_with_format(0, col, title, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        let mut row: u32 = 0;
        let mut failed = None;
        table::each_row(report, table, &mut |cells| {
            if failed.is_some() {
                return;
            }
            row += 1;
            for (col, cell) in (0u16..).zip(cells) {
                let done = match cell {
                    Cell::Text(s) if s.len() > 60 => {
                        ws.write_string_with_format(row, col, s, &wrap).map(|_| ())
                    }
                    Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
                    Cell::Number(n) => ws.write_number(row, col, f64::from(*n)).map(|_| ()),
                    Cell::Date(d) => excel_date(*d)
                        .and_then(|d| ws.write_datetime_with_format(row, col, &d, &date))
                        .map(|_| ()),
                    Cell::Empty => Ok(()),
                };
                if let Err(e) = done {
                    failed = Some(e);
                    return;
                }
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        let last_col = u16::try_from(sheet.header.len().saturating_sub(1)).unwrap_or(0);
        ws.autofilter(0, 0, row.max(1), last_col)?;
    }
    Ok(book.save_to_buffer()?)
}

fn excel_date(d: jiff::civil::Date) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    let month =
        u8::try_from(d.month()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    let day = u8::try_from(d.day()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, month, day)
}
