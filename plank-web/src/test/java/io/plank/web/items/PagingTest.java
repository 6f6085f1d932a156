package io.plank.web.items;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.plank.web.problems.InvalidRequestException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PagingTest {

    @Test
    void defaultsToTheFirstFiftyRows() {
        assertEquals(new Paging(0, 50), Paging.of(null, null));
        assertEquals(new Paging(0, 50), Paging.of("", ""));
    }

    @Test
    void acceptsTheMaximumPageSize() {
        assertEquals(new Paging(1000, 500), Paging.of("1000", "500"));
    }

    @Test
    void namesTheRangeOfAWholeNumberOutsideIt() {
        var offset = assertThrows(InvalidRequestException.class, () -> Paging.of("99999999999", "10"));
        assertEquals("offset must be between 0 and 2147483647, was 99999999999", offset.getMessage());
        var limit = assertThrows(InvalidRequestException.class, () -> Paging.of("0", "501"));
        assertEquals("limit must be between 1 and 500, was 501", limit.getMessage());
        var text = assertThrows(InvalidRequestException.class, () -> Paging.of("1.5", "10"));
        assertEquals("offset must be a whole number, was '1.5'", text.getMessage());
    }

    @Test
    void acceptsTheLargestOffset() {
        assertEquals(new Paging(Integer.MAX_VALUE, 1), Paging.of("2147483647", "1"));
    }

    @ParameterizedTest
    @CsvSource({"-1,10", "0,0", "0,501", "abc,10", "0,1e3", "99999999999,10"})
    void refusesBadPaging(String offset, String limit) {
        assertThrows(InvalidRequestException.class, () -> Paging.of(offset, limit));
    }
}
