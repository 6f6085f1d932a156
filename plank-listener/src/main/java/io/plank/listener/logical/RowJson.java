package io.plank.listener.logical;

/**
 * The JSON that PostgreSQL's {@code to_jsonb} gives a value of a plain type, written from the text pgoutput sends,
 * so that the decoder's backend need not type rows (V10__decoded_rows_typed_by_the_decoder.sql). Plain: boolean;
 * smallint, integer, bigint, numeric, real, double precision (a number, or a string where the text is none, as
 * {@code to_jsonb} makes {@code NaN} and {@code Infinity}); text, varchar, char, name, uuid (a string); json and
 * jsonb (as they are). Any other type, a domain over these included, is typed by PostgreSQL.
 */
final class RowJson {

    private static final int BOOL = 16;
    private static final int NAME = 19;
    private static final int INT8 = 20;
    private static final int INT2 = 21;
    private static final int INT4 = 23;
    private static final int TEXT = 25;
    private static final int JSON = 114;
    private static final int FLOAT4 = 700;
    private static final int FLOAT8 = 701;
    private static final int BPCHAR = 1042;
    private static final int VARCHAR = 1043;
    private static final int NUMERIC = 1700;
    private static final int UUID = 2950;
    private static final int JSONB = 3802;

    private RowJson() {
    }

    /** Whether every column of the relation has a type that {@link #value} writes. */
    static boolean plain(PgOutput.Relation relation) {
        for (PgOutput.Column column : relation.columns()) {
            if (!plain(column.typeOid())) {
                return false;
            }
        }
        return true;
    }

    static boolean plain(int typeOid) {
        return switch (typeOid) {
            case BOOL, NAME, INT8, INT2, INT4, TEXT, JSON, FLOAT4, FLOAT8, BPCHAR, VARCHAR, NUMERIC, UUID, JSONB -> true;
            default -> false;
        };
    }

    /** Whether values of the type are JSON text already (json, jsonb). */
    static boolean json(int typeOid) {
        return typeOid == JSON || typeOid == JSONB;
    }

    /** A column's value as JSON: {@code text} as pgoutput sent it (null for SQL NULL), of a {@link #plain} type. */
    static String value(int typeOid, String text) {
        if (text == null) {
            return "null";
        }
        return switch (typeOid) {
            case BOOL -> "t".equals(text) ? "true" : "false";
            case INT2, INT4, INT8 -> text;
            // to_jsonb's rule for numeric and float output: a number unless it has an 'N' (NaN, Infinity).
            case NUMERIC, FLOAT4, FLOAT8 -> text.indexOf('N') < 0 && text.indexOf('n') < 0 ? text : string(new StringBuilder(), text).toString();
            case JSON, JSONB -> text;
            default -> string(new StringBuilder(text.length() + 2), text).toString();
        };
    }

    /** A JSON string, escaped as JSON requires. */
    static StringBuilder string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
