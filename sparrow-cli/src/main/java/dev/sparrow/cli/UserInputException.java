package dev.sparrow.cli;

/** A problem with what the user asked for; printed as one line without a stack trace. */
final class UserInputException extends RuntimeException {
    UserInputException(String message) {
        super(message);
    }
}
