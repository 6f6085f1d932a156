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

    @ParameterizedTest
    @CsvSource({"-1,10", "0,0", "0,501", "abc,10", "0,1e3", "99999999999,10"})
    void refusesBadPaging(String offset, String limit) {
        assertThrows(InvalidRequestException.class, () -> Paging.of(offset, limit));
    }
}
