"""What kepu hands the city for a campaign, written into out/<campaign_id>/ from the published
warehouse: the consolidated workbook, the CSV and Parquet tables, 情况说明, the 回执 per unit and the HTML
report (`publish` decides which files exist). Outputs only: nothing here reads a submission.
"""
