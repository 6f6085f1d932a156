package io.plank.listener.logical;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** pgoutput's messages as bytes, where the real server is not needed to tell (LogicalDecoderTest has it). */
@Timeout(5)
class PgOutputTest {

    @Test
    void aTruncateNamesItsRelationsAndOptions() {
        var bytes = ByteBuffer.allocate(1 + 4 + 1 + 3 * 4);
        bytes.put((byte) 'T').putInt(3).put((byte) 3).putInt(16_384).putInt(16_390).putInt(-5); // oids are unsigned
        bytes.flip();

        var truncate = (PgOutput.Truncate) PgOutput.parse(bytes);

        assertEquals(List.of(16_384, 16_390, -5), truncate.relations());
        assertEquals(true, truncate.cascade());
        assertEquals(true, truncate.restartIdentity());
        assertEquals(0, bytes.remaining(), "read whole");
    }

    @Test
    void optionBitsAreReadApart() {
        var bytes = ByteBuffer.allocate(10).put((byte) 'T').putInt(1).put((byte) 2).putInt(7).flip();
        var truncate = (PgOutput.Truncate) PgOutput.parse(bytes);
        assertEquals(false, truncate.cascade());
        assertEquals(true, truncate.restartIdentity());
    }
}
