"""Tokens drawn in bulk (dispatch) have the shape and size of those drawn one at a time."""

from __future__ import annotations

import base64
from itertools import islice

from feedback.tokens import TOKEN_BYTES, looks_like_token, new_token, token_stream


def test_a_token_stream_gives_distinct_tokens_of_new_tokens_shape_across_its_batches():
    tokens = list(islice(token_stream(batch=3), 10))  # four reads of the system's randomness
    assert len(set(tokens)) == 10
    assert {len(t) for t in tokens} == {len(new_token())}
    assert all(looks_like_token(t) for t in tokens)
    assert all(len(base64.urlsafe_b64decode(t + "=")) == TOKEN_BYTES for t in tokens)
