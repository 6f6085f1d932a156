package io.plank.web.items;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.math.BigDecimal;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * A JSON number that fits PostgreSQL's {@code integer}: whole ({@code 3}, {@code 3.0} or {@code 3e0}), from
 * -2147483648 to 2147483647. Put on a {@code BigDecimal}, which takes any JSON number as it is written, so nothing
 * is rounded or wrapped before it is checked (an {@code Integer} field would take 2147483648 as -2147483648).
 */
@Documented
@Constraint(validatedBy = Int32.Check.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE_USE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
public @interface Int32 {

    String message() default "must be a whole number from -2147483648 to 2147483647";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Null passes, as for every Bean Validation constraint but {@code @NotNull}. */
    class Check implements ConstraintValidator<Int32, BigDecimal> {

        private static final BigDecimal MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
        private static final BigDecimal MAX = BigDecimal.valueOf(Integer.MAX_VALUE);

        @Override
        public boolean isValid(BigDecimal value, ConstraintValidatorContext context) {
            // compareTo looks at the magnitudes' exponents first: cheap even for 1e999999999.
            return value == null || value.compareTo(MIN) >= 0 && value.compareTo(MAX) <= 0 && value.stripTrailingZeros().scale() <= 0;
        }
    }
}
