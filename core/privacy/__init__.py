"""The learner's rights over their personal information (PIPL Arts. 44–47): to see and copy it."""
