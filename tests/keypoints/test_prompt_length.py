"""A prompt is [SOT][context x M][words][EOT]: its length, and the words that do not fit."""
import pytest

from clamp_mmpose.keypoints import check_words_fit, prompt_length, words_room


def test_a_prompt_is_sot_context_words_eot():
    assert prompt_length(num_context_tokens=8, num_word_tokens=3) == 13
    assert words_room(context_length=13, num_context_tokens=8) == 3
    assert words_room(77, 8) == 67


def test_words_that_do_not_fit_are_named_with_the_setting():
    check_words_fit(['Nose'], ['nose'], [1], context_length=13, num_context_tokens=8)
    with pytest.raises(ValueError, match=r"room for 3 tokens: 'Nearfrontfetlock' \('left front "
                       r"fetlock', 4 tokens\)\..*words=\{'Nearfrontfetlock'.*"
                       r"model.head.context_length \(now 13\)"):
        check_words_fit(['Nose', 'Nearfrontfetlock'], ['nose', 'left front fetlock'], [1, 4],
                        context_length=13, num_context_tokens=8)
