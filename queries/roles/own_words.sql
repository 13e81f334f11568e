-- title: The owner's own words
-- grain: one row per word
-- params: none
-- description: Words the owner added on the Roles page: kind word (always cut whole) or stopword
--   (never counted), newest first.
select word, kind, added_at from own_words order by added_at desc, word
