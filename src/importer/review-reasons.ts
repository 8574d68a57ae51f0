/** Why an imported article is flagged for review, in words: the CLI's report and Settings → Import both show these. */
export const REVIEW_REASONS: Record<string, string> = {
  title_from_body: 'no headline in the source: the title was made from the first sentence',
  feature_image_missing: 'the featured image was not found in the export',
  invalid_utf8: 'the source had bytes that are not valid UTF-8; check for garbled characters',
  unsupported_card: 'a Ghost card the importer cannot convert was left out',
  decoded_as_windows_1252: 'the file was not UTF-8 and declared no character set; it was read as Windows-1252',
};

/** A flag's sentence, or the flag itself when it is new to this list. */
export const reviewReason = (flag: string): string => REVIEW_REASONS[flag] ?? flag.replace(/_/g, ' ');
